"""The terminal channel, driven as a script on stdin, in both languages."""

from __future__ import annotations

import io

import pytest

from adapters.console import ConsoleChannel, render_reply
from adapters.console.channel import APOLOGY
from bot.app import Services
from bot.core import Button, Choice, FieldKind, Form, FormField, Incoming, Kind, Reply, user_text


async def converse(services: Services, script: str, lang: str) -> str:
    out = io.StringIO()
    channel = ConsoleChannel(services.conversations, io.StringIO(script), out, locale=lang)
    await channel.run()
    return out.getvalue()


def test_render_numbers_the_choices_and_drops_markup() -> None:
    text = render_reply(Reply("**Let op** hier", buttons=(Button("Ja", "a"), Button("Nee", "b"))))
    assert text == "Let op hier\n  1) Ja\n  2) Nee"


def test_a_persons_words_are_printed_as_typed_without_the_cores_marks() -> None:
    text = render_reply(Reply("**Wat:** " + user_text("**echt** gebeurd")))
    assert text == "Wat: **echt** gebeurd"


@pytest.mark.parametrize("lang", ["nl", "en"])
async def test_options_by_number_then_a_route(services: Services, lang: str) -> None:
    out = await converse(services, "1\n1\n", lang)
    adviser = services.knowledge.topic("confidential-adviser", lang)
    assert adviser.section("does").heading in out
    assert adviser.section("next").heading in out


@pytest.mark.parametrize("lang", ["nl", "en"])
async def test_bystander_then_crisis_then_resume(services: Services, lang: str) -> None:
    crisis = "ik wil er een eind aan maken" if lang == "nl" else "I want to end my life"
    script = f"2\n1\n{crisis}\n1\n"
    out = await converse(services, script, lang)
    assert "113" in out and "112" in out
    danger_prompt = "gevaar" if lang == "nl" else "danger"
    assert out.rstrip().count(danger_prompt) >= 2, "the dialog resumes after the crisis"


@pytest.mark.parametrize("lang", ["nl", "en"])
async def test_privacy_in_the_terminal(services: Services, lang: str) -> None:
    out = await converse(services, "5\n", lang)
    assert "terminal" in out


async def test_free_text_and_language_switch(services: Services) -> None:
    out = await converse(services, "English please\nwhat does a confidential adviser do\n", "nl")
    assert "continue in English" in out
    assert services.knowledge.topic("confidential-adviser", "en").section("does").heading in out


async def test_quit_word_ends_the_conversation(services: Services) -> None:
    out = await converse(services, "/quit\n1\n", "en")
    assert "  1) " in out
    assert services.knowledge.topic("options", "en").intro[:20] not in out


class BrokenCore:
    """A core with a bug in it: the terminal must apologise, not show a traceback."""

    async def handle(self, incoming: object) -> list[Reply]:
        raise RuntimeError("Canary-Secret-c0 in a bug")


async def test_a_bug_in_the_core_gets_an_apology_and_one_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    out = io.StringIO()
    await ConsoleChannel(BrokenCore(), io.StringIO("hallo\n"), out).run()
    assert out.getvalue().count(APOLOGY) == 2, "the start and the message each get one"
    assert "Traceback" not in out.getvalue() and "Canary-Secret-c0" not in out.getvalue()
    assert [r.getMessage() for r in caplog.records] == ["console turn failed: RuntimeError"] * 2


class FormCore:
    """Offers one prefilled form, then records what comes back."""

    def __init__(self) -> None:
        self.sent: list[Incoming] = []

    async def handle(self, incoming: Incoming) -> list[Reply]:
        self.sent.append(incoming)
        if incoming.kind is not Kind.START:
            return [Reply("Dank je.", lang="nl")]
        choices = (Choice("a", "Racisme"), Choice("b", "Pesten"))
        form = Form(
            "signal:intake:anonymous",
            "Signaal",
            (
                FormField("what", "Wat is er gebeurd?", FieldKind.TEXTAREA, True, value="Hij zei"),
                FormField("kinds", "Wat voor gedrag?", FieldKind.MULTI, choices=choices, value="b"),
                FormField("receipt", "Code", FieldKind.PASSWORD, value="Canary-Secret-c1"),
            ),
            "Versturen",
        )
        return [Reply("Niet verstuurd.", lang="nl", form=form)]


async def test_a_prefilled_form_shows_its_values_and_enter_keeps_them() -> None:
    out, core = io.StringIO(), FormCore()
    await ConsoleChannel(core, io.StringIO("\n\n\n"), out, locale="nl").run()
    shown = out.getvalue()
    assert "Ingevuld: Hij zei" in shown and "Ingevuld: Pesten" in shown
    assert "Canary-Secret-c1" not in shown, "a password field never shows a value"
    assert dict(core.sent[-1].data) == {"what": "Hij zei", "kinds": "b", "receipt": ""}


async def test_an_answer_replaces_the_prefilled_value() -> None:
    core = FormCore()
    await ConsoleChannel(core, io.StringIO("Hij schold\n1\n\n"), io.StringIO(), locale="nl").run()
    assert dict(core.sent[-1].data) == {"what": "Hij schold", "kinds": "a", "receipt": ""}


async def test_words_at_a_choice_prompt_go_to_the_core_and_the_question_comes_again() -> None:
    out, core = io.StringIO(), FormCore()
    script = "Hij zei het weer\nhij staat nu voor mijn deur\n1\n\n"
    await ConsoleChannel(core, io.StringIO(script), out, locale="nl").run()
    texts = [incoming.text for incoming in core.sent if incoming.kind is Kind.TEXT]
    assert texts == ["hij staat nu voor mijn deur"]
    assert "Kies een of meer nummers uit de lijst." in out.getvalue()
    assert dict(core.sent[-1].data) == {"what": "Hij zei het weer", "kinds": "a", "receipt": ""}


async def test_a_choice_may_be_typed_as_its_label() -> None:
    core = FormCore()
    await ConsoleChannel(core, io.StringIO("Hij zei\npesten\n\n"), io.StringIO(), locale="nl").run()
    assert dict(core.sent[-1].data)["kinds"] == "b"


@pytest.mark.parametrize("lang", ["nl", "en"])
async def test_danger_typed_at_a_signal_prompt_is_answered_with_112_at_once(
    services: Services, lang: str
) -> None:
    danger = {"nl": "hij staat nu voor mijn deur", "en": "he is standing at my door right now"}
    # signal from the menu, anonymous, then the words at the first choice prompt (kinds)
    script = f"3\n1\nEr gebeurde iets.\n{danger[lang]}\n"
    shown = await converse(services, script, lang)
    after = shown.split(danger[lang], 1)[-1] if danger[lang] in shown else shown
    assert "112" in after
