"""Findings as JUnit XML, the report format every CI system shows as tests.

One suite, one test case per practice judged at the horizon. A practice is counted once
even when it serves several tenets (its first tenet names the class), so the totals equal
the findings. Risks at or above the gate fail, NOT_APPLICABLE is skipped, the rest pass.
The tree is built with ElementTree, so every text and attribute is escaped by construction.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

from ..model.assessment import Assessment
from ..model.common import Horizon, Risk
from .assessment import reason
from .registry import Checked, Page, Renderer

# Characters XML 1.0 cannot carry even escaped (most C0 controls, lone surrogates, U+FFFE/F);
# YAML can hold them in double-quoted strings, so a user's text may bring them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def render(a: Assessment, horizon: Horizon = Horizon.NOW, fail_on: Risk = Risk.HIGH) -> str:
    findings = a.at(horizon).findings
    steps = {i.practice: i.steps for i in a.plan}
    suite = ET.Element("testsuite", name="devoops", timestamp=_timestamp(a.generated_at), time="0")
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("app", a.app.name),
        ("horizon", horizon.value),
        ("fail_on", fail_on.value),
        ("devoops_version", a.devoops_version),
        ("lens_version", a.lens_version),
    ):
        ET.SubElement(properties, "property", name=name, value=_clean(value))
    failures = skipped = 0
    for f in findings:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"devoops.{f.tenets[0].value}",
            name=_clean(f"{f.practice}: {f.title}"),
            time="0",
        )
        why = _clean(reason(f))
        if f.risk == Risk.NOT_APPLICABLE:
            skipped += 1
            ET.SubElement(case, "skipped", message=why)
        elif f.risk.rank >= fail_on.rank:
            failures += 1
            failure = ET.SubElement(case, "failure", message=why, type=f.risk.value)
            numbered = [f"{n}. {s}" for n, s in enumerate(steps.get(f.practice, []), 1)]
            failure.text = _clean("\n".join([reason(f), *([""] if numbered else []), *numbered]))
        else:
            ET.SubElement(case, "system-out").text = f"{f.risk.value}: {why}"
    counts = {"tests": str(len(findings)), "failures": str(failures), "errors": "0", "skipped": str(skipped)}
    suite.attrib.update(counts)
    root = ET.Element("testsuites", {"name": _clean(f"devoops: {a.app.name}"), "time": "0", **counts})
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _timestamp(moment: dt.datetime) -> str:
    """JUnit's schema wants a local-looking ISO time without offset; this one is UTC."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")


class JUnitReport(Renderer[Checked]):
    format = "junit"
    media_type = "application/xml"

    def render(self, subject: Checked, page: Page) -> str:
        return render(subject.assessment, subject.horizon, subject.fail_on)
