"""One door per change: no code in carnet/ writes appointments or personal events (or their changed
occurrences) except their doors, `scheduling/booking.py` and `scheduling/personal_events.py`.

Only the doors take the practitioner's lock and write the outbox; a write anywhere else could
double-book, and would never reach email, SMS or the practitioner's calendar. The one named
exception is the demo seed, which bulk-writes a fictitious practice in one go.

The check reads the source (AST), so it needs no database and catches code no test runs.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CARNET = Path(__file__).resolve().parents[2] / "carnet"

GUARDED = {"Appointment", "PersonalEvent", "PersonalEventOverride"}
# Related managers that lead to the guarded models (practitioner.appointments.create(...)).
RELATED = {"appointments", "personal_events", "overrides"}
MANAGERS = {"objects", "_default_manager", "_base_manager"}
QUERYSET_WRITES = {
    "create",
    "bulk_create",
    "bulk_update",
    "update",
    "delete",
    "get_or_create",
    "update_or_create",
    "add",
}
INSTANCE_WRITES = {"save", "delete"}

DOORS = {"scheduling/booking.py", "scheduling/personal_events.py"}
# The one exception: the demo seed (carnet/practices/demo.py until it moved to carnet/demo/).
SEED = ("practices/demo.py", "demo/")


def _names_guarded(node: ast.AST) -> bool:
    """Is this expression one of the guarded model classes (`Appointment`, `models.Appointment`)?"""
    if isinstance(node, ast.Name):
        return node.id in GUARDED
    if isinstance(node, ast.Attribute):
        return node.attr in GUARDED
    return False


def _reaches_guarded_rows(node: ast.AST) -> bool:
    """Does this receiver chain start from a guarded model's manager or a related manager?

    `Appointment.objects.filter(...).exclude(...)` and `doctor.appointments.all()` do.
    """
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Attribute):
            if node.attr in MANAGERS and _names_guarded(node.value):
                return True
            if node.attr in RELATED:
                return True
            node = node.value
        else:
            return False


def _is_guarded_annotation(annotation: ast.AST | None) -> bool:
    if annotation is None:
        return False
    return any(_names_guarded(part) for part in ast.walk(annotation))


def _bound_names(target: ast.AST) -> list[str]:
    """The names an assignment binds: `a`, `a, b`, `*rest`; not `a.status` (that changes `a`)."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Starred):
        return _bound_names(target.value)
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _bound_names(element)]
    return []


class _Scan(ast.NodeVisitor):
    """Collects writes; tracks, per function, the names bound to guarded instances."""

    def __init__(self, path: str, tree: ast.AST) -> None:
        self.path = path
        self.found: list[str] = []
        self.instances: list[set[str]] = [set()]
        # Functions of this module declared to return a guarded instance (`-> Appointment`).
        self.returns_guarded = {
            node.name
            for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and _is_guarded_annotation(node.returns)
        }

    def report(self, node: ast.AST, what: str) -> None:
        self.found.append(f"{self.path}:{getattr(node, 'lineno', 0)}: {what}")

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        names = {
            arg.arg
            for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)
            if _is_guarded_annotation(arg.annotation)
        }
        self.instances.append(names)
        self.generic_visit(node)
        self.instances.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def _yields_guarded(self, value: ast.AST) -> bool:
        """Does evaluating `value` produce guarded rows anywhere (`X.objects...`, `X(...)`,
        `fetch(...)` where `fetch` is annotated to return one, `a or X(...)`)?"""
        for part in ast.walk(value):
            if isinstance(part, ast.Call):
                callee = part.func
                name = callee.id if isinstance(callee, ast.Name) else getattr(callee, "attr", "")
                if _names_guarded(callee) or name in self.returns_guarded:
                    return True
            if _reaches_guarded_rows(part):
                return True
        return False

    def _bind(
        self, target: ast.AST, value: ast.AST | None, annotation: ast.AST | None = None
    ) -> None:
        guarded = _is_guarded_annotation(annotation) or (
            value is not None and self._yields_guarded(value)
        )
        for name in _bound_names(target):
            if guarded:
                self.instances[-1].add(name)
            else:
                self.instances[-1].discard(name)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._bind(target, node.value)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._bind(node.target, node.value, node.annotation)
        self.generic_visit(node)

    def visit_For(self, node: ast.For) -> None:
        self._bind(node.target, node.iter)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            receiver = func.value
            if (func.attr in QUERYSET_WRITES and _reaches_guarded_rows(receiver)) or (
                func.attr in INSTANCE_WRITES
                and (
                    (isinstance(receiver, ast.Name) and receiver.id in self.instances[-1])
                    or (isinstance(receiver, ast.Call) and _names_guarded(receiver.func))
                )
            ):
                self.report(node, ast.unparse(node)[:120])
        self.generic_visit(node)


def writes_outside_the_doors(source: str, path: str) -> list[str]:
    """Every write of a guarded model in `source` (a file at `path` under carnet/)."""
    if path in DOORS or path.startswith(SEED):
        return []
    tree = ast.parse(source)
    scan = _Scan(path, tree)
    scan.visit(tree)
    return scan.found


def test_nothing_in_carnet_writes_appointments_or_personal_events_outside_their_doors() -> None:
    found = []
    for file in sorted(CARNET.rglob("*.py")):
        path = file.relative_to(CARNET).as_posix()
        found += writes_outside_the_doors(file.read_text(), path)
    assert found == [], (
        "write through carnet.scheduling.booking or .personal_events:\n" + "\n".join(found)
    )


VIOLATIONS = {
    "manager create": "Appointment.objects.create(practice=p, start=s)",
    "chained update": "Appointment.objects.filter(pk=1).exclude(status='x').update(status='done')",
    "queryset delete": "models.PersonalEvent.objects.filter(practitioner=d).delete()",
    "bulk": "PersonalEventOverride.objects.bulk_create(rows)",
    "get_or_create": "PersonalEvent._default_manager.get_or_create(title='x')",
    "related manager": "practitioner.personal_events.create(title='Lunch')",
    "related update": "patient.appointments.all().update(notes='')",
    "instance save": "a = Appointment.objects.get(pk=1)\na.status = 'done'\na.save()",
    "new instance": "event = PersonalEvent(title='x')\nevent.save()",
    "constructed and saved": "PersonalEventOverride(event=e, cancelled=True).save()",
    "loop": "for a in Appointment.objects.filter(x=1):\n    a.delete()",
    "annotated argument": "def move(appointment: Appointment) -> None:\n    appointment.save()",
    "annotated local": "item: PersonalEvent = build()\nitem.save()",
    "fetched by a helper": (
        "def fetch(pk) -> Appointment | None:\n    return None\n"
        "def cancel(pk):\n    current = fetch(pk)\n    current.status = 'cancelled'\n"
        "    current.save(update_fields=['status'])"
    ),
    "found or made": (
        "o = PersonalEventOverride.objects.filter(pk=1).first() or PersonalEventOverride()\n"
        "o.save()"
    ),
}


@pytest.mark.parametrize("snippet", VIOLATIONS.values(), ids=VIOLATIONS.keys())
def test_the_scan_catches_a_write_outside_the_doors(snippet: str) -> None:
    found = writes_outside_the_doors(snippet, "workspace/views.py")
    assert len(found) == 1, found
    assert found[0].startswith("workspace/views.py:")


def test_the_scan_leaves_reads_other_models_and_the_doors_alone() -> None:
    reads = "\n".join(
        [
            "rows = list(Appointment.objects.filter(practice=p).values_list('pk'))",
            "first = PersonalEvent.objects.first()",
            "first.refresh_from_db()",
            "Patient.objects.create(first_name='x')",
            "patient = Patient.objects.get(pk=1)",
            "patient.save()",
            "event = AuditEntry(action='x')",
            "event.save()",
            "AppointmentType.objects.filter(pk=1).update(name='y')",
            "a = Appointment.objects.get(pk=1)",
            "a = other()",
            "a.save()",  # rebound to something else first
        ]
    )
    assert writes_outside_the_doors(reads, "workspace/views.py") == []
    write = "Appointment.objects.create(practice=p)"
    assert writes_outside_the_doors(write, "scheduling/booking.py") == []
    assert writes_outside_the_doors(write, "demo/seed.py") == []
    assert writes_outside_the_doors(write, "practices/demo.py") == []
    assert writes_outside_the_doors(write, "scheduling/agenda.py") != []
