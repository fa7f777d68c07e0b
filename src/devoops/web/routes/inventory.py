"""The inventory of one application: a form per component (add, edit, remove), and uploads
that replace the whole devoops.yaml or, from a Terraform state, the inventory. Every change
goes through the CLI's loader first: a refused one shows the loader's errors (file, line,
column, field) beside the field or above the form, and saves nothing.

An upload is the one form sent as multipart/form-data; `Pages.upload` reads it within a size
limit and then runs the same declared checks as every page (access, role, CSRF)."""

from __future__ import annotations

from collections.abc import Callable

from starlette.responses import Response

from ...api.documents import (
    FILE,
    Change,
    ComponentFields,
    dependencies,
    names,
    put_component,
    remove_component,
    replace_inventory,
    shown_dependencies,
    state_inventory,
    uploaded_document,
)
from ...api.workload import load_text
from ...base.errors import InputError
from ...model.inventory import AnyOf, Component, Kind
from ...store.people import Conflict
from .. import forms
from ..access import Ctx, Pages
from ..render import redirect, render
from .workspace import APP, ENGINEER, VIEWER, Document, document, no_app, save

pages = Pages()
UPLOAD_LIMIT = 20 * 1024 * 1024
"""The largest upload read: a Terraform state of a few thousand resources."""
FIELDS = (
    "kind",
    "provider",
    "account",
    "region",
    "zones",
    "instances",
    "depends_on",
    "datasets",
    "backups_to",
)


def _shown(c: Component) -> dict[str, str]:
    """A component as its form shows it."""
    return {
        "kind": c.kind.value,
        "provider": c.provider or "",
        "account": c.account or "",
        "region": c.region or "",
        "zones": ", ".join(c.zones),
        "instances": str(c.instances),
        "depends_on": shown_dependencies(
            [d.model_dump() if isinstance(d, AnyOf) else d for d in c.depends_on]
        ),
        "datasets": ", ".join(c.datasets),
        "backups_to": ", ".join(b.to for b in c.backups),
    }


def _page(
    ctx: Ctx,
    doc: Document,
    status: int = 200,
    errors: dict[str, str] | None = None,
    problems: list[str] | None = None,
    editing: str | None = None,
    where: str = "component",
) -> Response:
    inventory = load_text(doc.text, doc.lens, FILE).workload.inventory
    components = {cid: _shown(c) for cid, c in (inventory.components if inventory else {}).items()}
    return render(
        ctx,
        "inventory.html",
        status,
        doc=doc,
        components=components,
        kinds=[k.value for k in Kind],
        errors=errors or {},
        problems=problems or [],
        editing=editing,
        where=where,
        values=ctx.form,
    )


@pages.get(APP + "/inventory", VIEWER)
def inventory(ctx: Ctx) -> Response:
    doc = document(ctx)
    return no_app(ctx) if doc is None else _page(ctx, doc)


def _saved(
    ctx: Ctx, doc: Document, make: Callable[[], Change], action: str, editing: str | None, where: str
) -> Response:
    """Save what `make` returns, or show why not: a loader's problem on one of the form's
    fields beside it, any other above the form."""
    try:
        save(ctx, doc, make(), action)
    except forms.FieldError as e:
        return _page(ctx, doc, 400, {e.field: e.message}, editing=editing, where=where)
    except InputError as e:
        errors: dict[str, str] = {}
        problems = []
        for location, message in e.problems:
            field = _form_field(location.field, ctx.form.get("id", ""))
            if field and where == "component" and field not in errors:
                errors[field] = f"{location}: {message}"
            else:
                problems.append(
                    f"{location}:{' ' + location.field + ':' if location.field else ''} {message}"
                )
        return _page(ctx, doc, 400, errors, problems, editing=editing, where=where)
    except Conflict as e:
        return _page(ctx, doc, 409, problems=[str(e)], editing=editing, where=where)
    return redirect(doc.path(ctx, "inventory"))


def _form_field(path: str, cid: str) -> str | None:
    """The component form's field a loader's problem is about: `inventory.components.web.zones.1` -> zones."""
    parts = path.split(".")
    if len(parts) < 4 or parts[:3] != ["inventory", "components", cid]:
        return None
    field = "backups_to" if parts[3] == "backups" else parts[3]
    return field if field in FIELDS else None


@pages.post(APP + "/inventory/component", ENGINEER)
def put(ctx: Ctx) -> Response:
    """Add a component, or edit the one named by `was` (renaming it when `id` differs)."""
    doc = document(ctx)
    if doc is None:
        return no_app(ctx)
    was = ctx.form.get("was") or None

    def make() -> Change:
        cid = forms.text(ctx.form, "id", 64)
        text = {name: forms.text(ctx.form, name, 1000, required=False) for name in FIELDS}
        if not text["instances"]:
            instances = None
        elif text["instances"].isdigit():
            instances = int(text["instances"])
        else:
            raise forms.FieldError("instances", "a whole number, like 2")
        fields = ComponentFields(
            kind=forms.text(ctx.form, "kind", 40),
            provider=text["provider"],
            account=text["account"],
            region=text["region"],
            zones=names(text["zones"]),
            instances=instances,
            depends_on=dependencies(text["depends_on"]),
            datasets=names(text["datasets"]),
            backups_to=names(text["backups_to"]),
        )
        return put_component(doc.text, doc.lens, cid, fields, was)

    return _saved(ctx, doc, make, "inventory.changed", was or "", "component")


@pages.post(APP + "/inventory/remove", ENGINEER)
def remove(ctx: Ctx) -> Response:
    doc = document(ctx)
    if doc is None:
        return no_app(ctx)
    cid = ctx.form.get("component", "")
    return _saved(
        ctx, doc, lambda: remove_component(doc.text, doc.lens, cid), "inventory.changed", None, "remove"
    )


@pages.upload(APP + "/upload", ENGINEER, UPLOAD_LIMIT, FILE)
def replace(ctx: Ctx) -> Response:
    """`what=workload`: the file replaces the whole document; `what=terraform`: the inventory
    the Terraform importer maps from the state replaces the document's inventory."""
    doc = document(ctx)
    if doc is None:
        return no_app(ctx)
    what = ctx.form.get("what", "")
    sent: tuple[str, bytes] | None = ctx.request.state.upload
    if what not in ("workload", "terraform"):
        return _page(
            ctx, doc, 400, problems=["choose what the file is: devoops.yaml or a Terraform state"], where=what
        )
    if sent is None or not sent[1]:
        return _page(ctx, doc, 400, {"file": "choose a file to upload"}, where=what)
    name = _file_name(sent[0])

    def make() -> Change:
        if what == "terraform":
            return replace_inventory(doc.text, doc.lens, state_inventory(sent[1], name), name)
        text = uploaded_document(sent[1], name, doc.lens, doc.app.name)
        return Change(text, FILE, {"version": doc.base}, {"version": doc.base + 1}, f"{name} uploaded")

    action = "inventory.imported" if what == "terraform" else "workload.uploaded"
    return _saved(ctx, doc, make, action, None, what)


def _file_name(sent: str) -> str:
    """The upload's own name, for its errors: the last part of the path, on one line."""
    base = sent.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in base if c.isprintable())[:100] or "upload"
