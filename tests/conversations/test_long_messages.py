"""A message over 5,000 characters is refused with its text kept, never cut: the message boxes
have no maxlength (browsers cut pasted text to it without a word), only a count near the limit."""

from django.urls import reverse

from mentorcircle.conversations.models import MAX_BODY
from tests.helpers import field_errors


def test_the_message_boxes_count_characters_instead_of_cutting_them(client, personas, direct):
    client.force_login(personas.mentee)
    for url in (direct.get_absolute_url(), reverse("conversations:new")):
        page = client.get(url).content.decode()
        assert f'data-max-chars="{MAX_BODY}"' in page
        assert 'maxlength="5000"' not in page


def test_a_reply_over_the_limit_is_refused_with_its_text_kept(client, personas, direct):
    client.force_login(personas.mentee)
    text = "x" * 6_000 + "END"

    response = client.post(reverse("conversations:reply", args=[direct.pk]), {"body": text})

    assert response.status_code == 400
    assert field_errors(response, "body") == ["Keep the message to 5,000 characters or fewer (it has 6,003)."]
    assert text in response.content.decode()
    assert direct.messages.count() == 1
