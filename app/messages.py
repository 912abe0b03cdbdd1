"""Messages with values that a page can still translate.

A ``Message`` IS the English text with its values filled in (a ``str``), so the JSON
API, the logs and anything that compares strings see exactly what an f-string gave::

    msg = Message("unanswered required criteria: {codes}", codes="N3.2, N3.3")
    msg == "unanswered required criteria: N3.2, N3.3"

It also keeps the message id (the English template, ``{name}`` placeholders for
``str.format``) and the values, so a page translates it with the .po catalogue:
``msg.in_language(gettext)`` -> ``gettext(msgid).format(**params)``. A value that is itself a
Message is translated too; wrap a stored code in ``Message(code)`` (no values) when its
label is a msgid (a status such as "in_review").

``str(msg)`` and ``str(exc)`` give a plain ``str``: an exception's ``args[0]`` keeps the
Message, and ``message_of(exc)`` returns it. Messages survive pickling and copying.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _as_is(value: Any) -> Any:
    return value


class Message(str):
    """English text with values; ``.msgid`` and ``.params`` for translation."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, /, **params: Any) -> Message:
        text = msgid.format(**params) if params else msgid
        self = super().__new__(cls, text)
        self.msgid = msgid
        self.params = params
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.msgid, self.params))

    def __repr__(self) -> str:
        return f"Message({self.msgid!r}{''.join(f', {k}={v!r}' for k, v in self.params.items())})"

    def in_language(self, gettext: Callable[[str], str], shown: Callable[[Any], Any] = _as_is) -> str:
        """The text in gettext's language, each value written by `shown` (a date as the language
        writes it; the English text has it in ISO); falls back to the English template if the
        translation's placeholders do not match the values."""
        if not self.params:
            return gettext(self.msgid)
        params = {k: v.in_language(gettext, shown) if isinstance(v, Message) else shown(v)
                  for k, v in self.params.items()}
        try:
            return gettext(self.msgid).format(**params)
        except (KeyError, IndexError, ValueError):
            return self.msgid.format(**params)


class Term(Message):
    """A stored code inside a message, e.g. a status: the English text is the code itself
    ("in_review", as the API has always said), a page shows its label, msgid "kind:code"
    ("assessment:in_review"); without a translation the code is shown."""

    kind: str
    code: str

    def __new__(cls, kind: str, code: str) -> Term:
        self = str.__new__(cls, code)
        self.msgid, self.params, self.kind, self.code = f"{kind}:{code}", {}, kind, code
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Term, (self.kind, self.code))

    def __repr__(self) -> str:
        return f"Term({self.kind!r}, {self.code!r})"

    def in_language(self, gettext: Callable[[str], str], shown: Callable[[Any], Any] = _as_is) -> str:
        text = gettext(self.msgid)
        return self.code if text in ("", self.msgid) else text


def plural(one: str, other: str, count: int, /, **params: Any) -> Message:
    """A Message whose words follow a count ("1 kommune", "3 kommuner"): the msgid `one` when
    count is 1, else `other`; each is translated as its own msgid (Danish and English both
    have one form for 1 and one for every other number)."""
    return Message(one if count == 1 else other, **params)


def _rebuild(cls: type[Message], msgid: str, params: dict[str, Any]) -> Message:
    return cls(msgid, **params)


def message_of(exc: BaseException) -> str:
    """What an exception says, as a Message when it was raised with one (``str(exc)``
    would lose the msgid), else as plain text."""
    if exc.args and isinstance(exc.args[0], Message) and len(exc.args) == 1:
        return exc.args[0]
    return str(exc)


#: A refusal by a numbered rule: the API says "rule T2: ...", a reader gets the sentence alone.
RULE_MSGID = "rule {rule}: {detail}"


def translate(text: Any, gettext: Callable[[str], str], shown: Callable[[Any], Any] = _as_is) -> Any:
    """Translate a Message with its values (each written by `shown`), or a plain msgid; anything
    else as it is. For a reader: a rule's refusal without its code (RULE_MSGID)."""
    if isinstance(text, Message):
        if text.msgid == RULE_MSGID:
            text = text.params["detail"]
        return text.in_language(gettext, shown)
    if isinstance(text, str) and text:
        return gettext(text)
    return text
