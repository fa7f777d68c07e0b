"""The engineer's workspace of one application: its devoops.yaml kept in the store as versions,
downloaded at any time for git, assessed and saved from the browser as `devoops assess --save`
does, and the evidence `devoops audit --save` and `devoops drill` saved for it, with its age.

The practices and inventory pages change the document through `save`, here: a new version
and an audit row with the old value, or nothing when the change is refused."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.responses import Response

from ...api.documents import FILE, Change, assess_text, starting_text
from ...lens import load_lens
from ...model.lens import Lens
from ...model.summary import HistoryEntry
from ...store.people import OrgApp
from ...store.workloads import Version, Workloads
from ..access import Ctx, Pages, Role, member
from ..audit import audit
from ..render import redirect, render

pages = Pages()
VIEWER = member(Role.viewer)
ENGINEER = member(Role.engineer)
APP = "/orgs/{org:int}/apps/{app:int}"
NO_APP = "There is no such application in this organisation."


@dataclass(frozen=True)
class Document:
    """An application's current devoops.yaml: its newest version, or `devoops init`'s defaults."""

    app: OrgApp
    version: Version | None
    text: str
    lens: Lens

    @property
    def base(self) -> int:
        return self.version.number if self.version else 0

    def path(self, ctx: Ctx, page: str = "workspace") -> str:
        return f"/orgs/{ctx.org_id}/apps/{self.app.id}/{page}"


def workloads(ctx: Ctx) -> Workloads:
    return Workloads(ctx.app.store)


def document(ctx: Ctx) -> Document | None:
    """The application named in the path, looked up within the visitor's organisation."""
    found = ctx.app.accounts.apps(ctx.org_id, ctx.param("app"))
    if not found:
        return None
    lens = load_lens()
    version = workloads(ctx).current(ctx.org_id, found[0].id)
    text = version.text if version else starting_text(found[0].name, lens)
    return Document(found[0], version, text, lens)


def no_app(ctx: Ctx) -> Response:
    return render(ctx, "error.html", 404, message=NO_APP)


def save(ctx: Ctx, doc: Document, change: Change, action: str) -> Version:
    """The change as the next version, and its audit row (raises store.people.Conflict when
    someone saved first: then neither is written)."""
    saved = workloads(ctx).save(
        ctx.org_id, doc.app.id, doc.base, change.text, change.summary, ctx.actor, ctx.now
    )
    audit(ctx, action, f"{doc.app.name}: {change.subject}", change.old, change.new)
    return saved


@pages.get(APP + "/workspace", VIEWER)
def workspace(ctx: Ctx) -> Response:
    doc = document(ctx)
    if doc is None:
        return no_app(ctx)
    return render(
        ctx,
        "workspace.html",
        doc=doc,
        versions=workloads(ctx).versions(ctx.org_id, doc.app.id),
        evidence=workloads(ctx).evidence(doc.app.name),
        saved=ctx.request.query_params.get("saved"),
    )


@pages.get(APP + "/devoops.yaml", VIEWER)
def download(ctx: Ctx) -> Response:
    """The exact stored text, as a file to commit; `?version=N` an earlier one."""
    doc = document(ctx)
    if doc is None:
        return no_app(ctx)
    text = doc.text
    asked = ctx.request.query_params.get("version")
    if asked is not None:
        old = workloads(ctx).version(ctx.org_id, doc.app.id, int(asked)) if asked.isdigit() else None
        if old is None:
            return render(ctx, "error.html", 404, message="There is no such version of this document.")
        text = old.text
    return Response(
        text.encode(),
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{FILE}"'},
    )


@pages.post(APP + "/assess", ENGINEER)
def assess(ctx: Ctx) -> Response:
    """Assess the current document and save it under the application's name, as
    `devoops assess --save` would: the history and the portfolio's ages follow."""
    doc = document(ctx)
    if doc is None:
        return no_app(ctx)
    return redirect(doc.path(ctx) + f"?saved={assess_and_save(ctx, doc).id}")


def assess_and_save(ctx: Ctx, doc: Document) -> HistoryEntry:
    """The current document assessed and saved as `devoops assess --save` does, with its audit row."""
    result = assess_text(doc.text, doc.lens, ctx.now)
    saved = ctx.app.store.save(result.assessment, doc.text, ctx.now)
    audit(
        ctx,
        "assessment.saved",
        doc.app.name,
        None,
        {"assessment": saved.id, "version": doc.base, "high": saved.high, "medium": saved.medium},
    )
    return saved
