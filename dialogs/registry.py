"""Every dialog by name: the one place that knows them all."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from dialogs.adviser import AdviserDialog
from dialogs.answer import AnswerDialog
from dialogs.base import Dialog
from dialogs.bystander import BystanderDialog
from dialogs.crisis import CrisisDialog
from dialogs.follow_up import FollowUpDialog
from dialogs.menu import MenuDialog
from dialogs.options import OptionsDialog
from dialogs.privacy import PrivacyDialog
from dialogs.signal import SignalDialog


def all_dialogs() -> Mapping[str, Dialog]:
    dialogs: tuple[Dialog, ...] = (
        MenuDialog(),
        AnswerDialog(),
        OptionsDialog(),
        BystanderDialog(),
        CrisisDialog(),
        PrivacyDialog(),
        SignalDialog(),
        FollowUpDialog(),
        AdviserDialog(),
    )
    return MappingProxyType({dialog.name: dialog for dialog in dialogs})
