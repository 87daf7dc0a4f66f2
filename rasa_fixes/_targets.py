"""What a fix replaces, and the check that it is there before anything is replaced."""

import importlib
import inspect
from typing import Any, Callable, Iterable, List, NamedTuple


class RasaFixError(RuntimeError):
    """The fixes cannot be applied to the installed Rasa (another version, a missing or
    changed target, a bad setting); no Rasa name was replaced."""


# What the replaced name must be, so that a moved or retyped name is caught.
KINDS = {
    "number": lambda value: isinstance(value, (int, float)) and not isinstance(value, bool),
    "function": inspect.isfunction,  # a plain (or async) function
    "class": inspect.isclass,
    "str": lambda value: isinstance(value, str),
}


class Target(NamedTuple):
    """``owner.attribute`` (owner: a module, or a module's class as "module:Class")
    that a fix replaces, and the kind it must have."""

    owner: str
    attribute: str
    kind: str

    def __str__(self) -> str:
        return f"{self.owner.replace(':', '.')}.{self.attribute}"

    def resolve_owner(self) -> Any:
        module_name, _, class_name = self.owner.partition(":")
        owner = importlib.import_module(module_name)
        for part in filter(None, class_name.split(".")):
            owner = getattr(owner, part)
        return owner

    def current(self, own: bool = False) -> Any:
        """The value now in place (raises if it is missing). On a class, the raw class
        attribute (a staticmethod or classmethod object, not a bound method); with
        ``own``, only one the class itself defines, not one inherited."""
        owner = self.resolve_owner()
        if inspect.isclass(owner):
            for klass in owner.__mro__[:1] if own else owner.__mro__:
                if self.attribute in vars(klass):
                    return vars(klass)[self.attribute]
            raise AttributeError(self.attribute)
        return getattr(owner, self.attribute)


def check(targets: Iterable[Target], replaced: bool = True) -> List[str]:
    """Why each target cannot be replaced (``replaced``: it must be the owner's own, not
    inherited) or used (empty when all can)."""
    problems = []
    for target in targets:
        try:
            value = target.current(own=replaced)
        except (ImportError, AttributeError) as error:
            problems.append(f"{target} is missing ({type(error).__name__}: {error})")
            continue
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if not KINDS[target.kind](value):
            problems.append(f"{target} is a {type(value).__name__}, not a {target.kind}")
    return problems


_MISSING = object()
# (owner object, attribute) -> the value before the first replacement, for revert().
_originals: dict = {}


def replace(target: Target, value: Any) -> Any:
    """Puts ``value`` in place of ``target``; returns what was there (for a wrapper)."""
    before = target.current()
    owner = target.resolve_owner()
    own = (
        vars(owner).get(target.attribute, _MISSING)
        if inspect.isclass(owner)
        else getattr(owner, target.attribute, _MISSING)
    )
    _originals.setdefault((owner, target.attribute), own)
    setattr(owner, target.attribute, value)
    return before


_undo: List[Callable[[], Any]] = []


def on_revert(undo: Callable[[], Any]) -> None:
    """Registers how to undo something apply() did that is not a replacement."""
    _undo.append(undo)


def revert() -> None:
    """Puts back every replaced name and undoes the rest (for tests)."""
    while _undo:
        _undo.pop()()
    for (owner, attribute), original in _originals.items():
        if original is _MISSING:
            delattr(owner, attribute)
        else:
            setattr(owner, attribute, original)
    _originals.clear()
