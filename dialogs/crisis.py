"""Crisis: danger now or suicidal thoughts. Interrupts any dialog; 112 and 113 come first."""

from __future__ import annotations

from bot.core import Reply
from dialogs.base import BaseDialog, Context, DialogState, Step, paragraphs, section_text
from dialogs.menu import back_to_menu


class CrisisDialog(BaseDialog):
    """Answers with the emergency numbers first and offers to go back where the person was."""

    name = "crisis"

    def start(self, ctx: Context, arg: str) -> Step:
        return self.interrupt(ctx, DialogState())

    def interrupt(self, ctx: Context, previous: DialogState, *, form_open: bool = False) -> Step:
        """Answer the crisis and remember the interrupted dialog so it can be resumed.

        With ``form_open`` the form on screen stays usable (``supersedes=False``): whatever the
        person wrote in it is still theirs to send after the danger has passed.
        """
        text = self._text(ctx)
        buttons = [back_to_menu(ctx)]
        if previous.dialog and previous.dialog != self.name:
            buttons.insert(0, ctx.button("crisis.resume", "crisis:resume"))
        state = DialogState(
            dialog=self.name,
            step="shown",
            data={"resume_dialog": previous.dialog, "resume_step": previous.step, **previous.data},
        )
        reply = Reply(text, ctx.lang, tuple(buttons), supersedes=not form_open)
        return Step((reply,), state)

    def notice(self, ctx: Context) -> Reply:
        """The numbers first, ahead of whatever a form's answer is; changes no state or buttons."""
        return Reply(self._text(ctx), ctx.lang, supersedes=False)

    def resume(self, ctx: Context, state: DialogState) -> Step:
        return self.start(ctx, "")

    def _text(self, ctx: Context) -> str:
        topic = ctx.topic("crisis")
        return paragraphs(
            topic.intro, *(section_text(topic, key) for key in ("danger", "suicide", "support"))
        )


def interrupted(state: DialogState) -> DialogState:
    """The state the crisis interrupted, to resume it."""
    data = {k: v for k, v in state.data.items() if k not in ("resume_dialog", "resume_step")}
    return DialogState(
        dialog=state.data.get("resume_dialog", ""),
        step=state.data.get("resume_step", ""),
        data=data,
    )
