"""The services' refusals are written for translation.

Views show a refusal as it is (``str(refused)``) in error summaries and banners, so a
message only reaches a Welsh page in Welsh if the service passed it through gettext, as a
whole sentence with ``%(name)s`` placeholders: an English literal or f-string given to one
of these exceptions is never extracted into messages.pot, and no catalogue can reach it
(README, "Translating svcollect").
"""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

import svcollect
from svcollect.services import valuation
from svcollect.services.accounts import (
    KIND_NAMES,
    ROLE_NAMES,
    ROLE_ORGANISATION_KINDS,
    AccountRefused,
    check_role_fits,
)
from svcollect.services.contracts import EditConflict

SERVICES = Path(svcollect.__file__).parent / "services"
#: the dashboard's words are made translatable with the charts', separately
NOT_SCANNED = {"dashboard.py"}
#: exceptions whose message a page shows as it is; their subclasses are found below
SHOWN = {
    "AccountRefused",
    "CollectionRefused",
    "ContractRefused",
    "DeclarationRefused",
    "ImportRefused",
    "PackError",
    "UploadRejected",
    "ValuationRefused",
    "ValueTableError",
}
#: functions whose refusals no page shows as they are raised: the command line's (its
#: output is English: no request, so no locale), and a pack build's, which runs as a
#: background job and records its message on the job for whoever opens its page later
NOT_IN_A_REQUEST = {
    ("contracts.py", "contract_by_reference"),
    ("exports.py", "build_pack"),
    ("export_delivery.py", "_check_adds_up"),
    ("export_delivery.py", "commitment_items"),
}
GETTEXT = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext"}


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _trees() -> dict[str, ast.Module]:
    return {
        path.name: ast.parse(path.read_text(encoding="utf-8"), str(path))
        for path in sorted(SERVICES.glob("*.py"))
        if path.name not in NOT_SCANNED
    }


def _shown_classes(trees: dict[str, ast.Module]) -> tuple[set[str], set[str]]:
    """SHOWN and every class in the services that derives from one of them; and those of
    them with an __init__ of their own (whose arguments are not the message: their
    super().__init__ call is checked instead)."""
    shown = set(SHOWN)
    classes = [n for tree in trees.values() for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    grew = True
    while grew:
        grew = False
        for cls in classes:
            if cls.name not in shown and any(_name(base) in shown for base in cls.bases):
                shown.add(cls.name)
                grew = True
    own_init = {
        cls.name
        for cls in classes
        if cls.name in shown
        and cls.name not in SHOWN
        and any(isinstance(n, ast.FunctionDef) and n.name == "__init__" for n in cls.body)
    }
    return shown, own_init


def _english(node: ast.expr | None, constants: dict[str, ast.expr], seen: set[str]) -> bool:
    """Whether `node` builds a message from English text that no gettext call wraps."""
    if node is None:
        return False
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and any(c.isalpha() for c in node.value)
    if isinstance(node, ast.JoinedStr):
        return any(_english(v, constants, seen) for v in node.values)
    if isinstance(node, ast.FormattedValue):
        return _english(node.value, constants, seen)
    if isinstance(node, ast.Call):
        if _name(node.func) in GETTEXT:
            return False
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
        parts = [receiver, *node.args, *(k.value for k in node.keywords)]
        return any(_english(p, constants, seen) for p in parts)
    if isinstance(node, ast.Name):  # a module's constant message, e.g. KEPT_MESSAGE
        if node.id not in constants or node.id in seen:
            return False
        return _english(constants[node.id], constants, seen | {node.id})
    if isinstance(node, ast.Subscript):  # a table of messages: its keys are not shown
        return _english(node.value, constants, seen)
    if isinstance(node, ast.Dict):
        return any(_english(v, constants, seen) for v in node.values)
    if isinstance(node, ast.BinOp):
        return _english(node.left, constants, seen) or _english(node.right, constants, seen)
    if isinstance(node, ast.BoolOp):
        return any(_english(v, constants, seen) for v in node.values)
    if isinstance(node, ast.IfExp):
        return _english(node.body, constants, seen) or _english(node.orelse, constants, seen)
    return False


def _message(call: ast.Call) -> ast.expr | None:
    if call.args:
        return call.args[0]
    return next((k.value for k in call.keywords if k.arg == "message"), None)


def _untranslated(trees: dict[str, ast.Module]) -> list[str]:
    shown, own_init = _shown_classes(trees)
    found = []
    for file, tree in trees.items():
        constants = {
            target.id: statement.value
            for statement in tree.body
            if isinstance(statement, ast.Assign)
            for target in statement.targets
            if isinstance(target, ast.Name)
        }
        skipped: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and (file, node.name) in NOT_IN_A_REQUEST:
                skipped |= {id(n) for n in ast.walk(node)}
        calls: list[ast.Call] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node.func) in shown - own_init:
                calls.append(node)
            if isinstance(node, ast.ClassDef) and node.name in shown:
                calls.extend(  # super().__init__(message) in the class's own methods
                    n
                    for n in ast.walk(node)
                    if isinstance(n, ast.Call)
                    and isinstance(n.func, ast.Attribute)
                    and n.func.attr == "__init__"
                    and isinstance(n.func.value, ast.Call)
                    and _name(n.func.value.func) == "super"
                )
        for call in calls:
            if id(call) not in skipped and _english(_message(call), constants, set()):
                found.append(f"services/{file}:{call.lineno}: {ast.unparse(call)[:100]}")
    return found


#: what the scan must find: English reaching a shown refusal however it is given it
ENGLISH = [
    'raise ContractRefused(f"The due date must be before {day}", "due_on")',
    'class Conflict(ContractRefused):\n    pass\nraise Conflict("Someone else changed this")',
    'raise ValuationRefused("Select a value table entry" + suffix)',
    'raise UploadRejected(verdict.problem or "The selected file cannot be used")',
    'MESSAGE = "Only the buyer can"\nraise ValuationRefused(MESSAGE)',
    'MESSAGES = {"a": "Only the buyer can"}\nraise ValuationRefused(str(MESSAGES[what]))',
    "class Late(CollectionRefused):\n"
    "    def __init__(self):\n"
    '        super().__init__(f"Closed on {day}")',
]
#: and what it must pass: translated messages, keys, other exceptions, log lines
NOT_ENGLISH = [
    'raise ContractRefused(_("The due date must be before %(day)s", day=day), "due_on")',
    'raise ContractRefused(str(ADD_REFUSED))\nADD_REFUSED = _l("Only the buyer")',
    'raise ValuationRefused(str(error), "route")',
    'raise ValuationRefused(str(ONLY[what]), "submit")\nONLY = {"add": _l("Only")}',
    'raise UploadRejected(verdict.problem or _("The selected file cannot be used"))',
    "class Conflict(ContractRefused):\n"
    "    def __init__(self, what):\n"
    "        super().__init__(str(CHANGED[what]))\n"
    'raise Conflict("contract")',  # a key, not a message
    'raise NotDue(f"{reference}: answers are kept until {day}")',  # the command line's
    'log.warning("could not delete %s", path)',
]


def test_no_refusal_a_page_shows_is_untranslated_english():
    for source in ENGLISH:
        assert _untranslated({"example.py": ast.parse(source)}), f"scan missed: {source}"
    for source in NOT_ENGLISH:
        assert not _untranslated({"example.py": ast.parse(source)}), f"scan wrong: {source}"
    found = _untranslated(_trees())
    assert not found, (
        "Pass these messages through gettext (`from flask_babel import gettext as _`), "
        "with %(name)s placeholders instead of f-strings:\n" + "\n".join(found)
    )


# --- messages made whole sentences ---------------------------------------------------------
#
# Where a message used to be one sentence with a noun or phrase filled in, each filling is
# now a sentence of its own (a translation words each as its language needs). Each says in
# English exactly what the old sentence said, and is in the translation template.


@pytest.fixture(scope="module")
def template_msgids() -> set[str]:
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    method_map = [("**.py", "python")]
    return {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(SERVICES), method_map=method_map, keywords=keywords
        )
    }


@pytest.mark.parametrize("what", ["contract", "commitment", "organisation"])
def test_each_edit_conflict_is_a_sentence_of_its_own(what, template_msgids):
    message = str(EditConflict(what))
    assert message == (
        f"Someone else changed this {what} since you opened this page, so your changes "
        "have not been saved. Check what is saved now, then make your changes again and save"
    )
    assert message in template_msgids


@pytest.mark.parametrize(
    ("what", "phrase"),
    [
        ("assumptions", "record the valuation assumptions"),
        ("add_route", "choose how outcomes are valued"),
        ("remove_route", "remove a valuation route"),
    ],
)
def test_each_thing_only_the_buyer_does_is_a_sentence_of_its_own(what, phrase, template_msgids):
    prime_suppliers_manager: Any = SimpleNamespace(role="contract_manager", organisation_id=2)
    contract: Any = SimpleNamespace(buyer_id=1)
    with pytest.raises(valuation.ValuationRefused) as refused:
        valuation.refuse_unless_buyer(prime_suppliers_manager, contract, what)
    assert str(refused.value) == f"Only the buying organisation can {phrase}"
    assert str(refused.value) in template_msgids


@pytest.mark.parametrize("role", [r for r, kinds in ROLE_ORGANISATION_KINDS.items() if kinds])
def test_which_organisation_a_role_needs_is_a_sentence_for_each_role(role, template_msgids):
    allowed = " or ".join(str(KIND_NAMES[k]) for k in ROLE_ORGANISATION_KINDS[role])
    with pytest.raises(AccountRefused) as refused:
        check_role_fits(role, None)
    assert str(refused.value) == (
        f"Select the {allowed} organisation this {ROLE_NAMES[role]} works for"
    )
    assert str(refused.value) in template_msgids
    for kind in sorted(set(KIND_NAMES) - set(ROLE_ORGANISATION_KINDS[role])):
        elsewhere: Any = SimpleNamespace(kind=kind, name="Acme")
        with pytest.raises(AccountRefused) as misfit:
            check_role_fits(role, elsewhere)
        assert str(misfit.value) == (
            f"A {ROLE_NAMES[role]} must belong to a {allowed} organisation – "
            f"Acme is a {KIND_NAMES[kind]}"
        )
