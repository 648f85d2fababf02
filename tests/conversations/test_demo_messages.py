"""The demo's messages: loaded after load_demo, once."""

import pytest
from django.core.management import call_command

from mentorcircle.conversations.models import Message
from mentorcircle.groupsessions.models import Participant


@pytest.mark.django_db
def test_the_demo_messages_load_once_and_invite_nobody():
    call_command("load_demo")
    seats = Participant.objects.count()
    call_command("load_demo_messages")
    call_command("load_demo_messages")
    assert Message.objects.filter(kind=Message.Kind.SHARE).count() == 1
    assert Message.objects.count() == 3
    assert Participant.objects.count() == seats
