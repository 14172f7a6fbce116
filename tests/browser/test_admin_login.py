"""The admin in a real browser: a staff user signs in through the login form."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_user_signs_in_to_the_admin_through_the_login_form(page: Page, organization):
    factories.OrgAdminFactory(organization=organization, username="maria", is_staff=True)

    page.goto("/admin/")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
