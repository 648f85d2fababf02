import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    ("persona", "status"),
    [("manager", 200), ("mentor", 404), ("mentee", 404), ("outsider", 404), ("other_manager", 404)],
)
def test_members_page_is_for_the_programs_managers_only(client, personas, persona, status):
    client.force_login(getattr(personas, persona))
    response = client.get(reverse("manage:members", args=[personas.program.slug]))
    assert response.status_code == status
    if status == 200:
        assert "Theo Mentor" in response.content.decode()
        assert "Bea Beta-Manager" not in response.content.decode()
