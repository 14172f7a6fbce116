from django.core.management.base import BaseCommand

from organizations.demo import load_demo_data


class Command(BaseCommand):
    help = "Load the demo organization, admin/admin, a WABA, a number, templates and campaigns."

    def handle(self, *args, **options) -> None:
        demo = load_demo_data()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: organization {demo.organization.slug}, user admin/admin, "
                f"number {demo.phone_number.pk}"
            )
        )
