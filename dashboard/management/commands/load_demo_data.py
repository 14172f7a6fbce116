from django.core.management.base import BaseCommand

from dashboard.demo import load_demo_data


class Command(BaseCommand):
    help = "Load the demo organization, admin/admin, a WABA, a number, templates and campaigns."

    def handle(self, *args, **options) -> None:
        demo = load_demo_data()
        number, organization = demo.phone_number, demo.organization
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: organization {organization.name} ({organization.slug}), "
                "log in as admin / admin.\n"
                f"Demo number {number.display_phone_number} (Meta's phone_number_id "
                f"{number.phone_number_id}) has the id {number.pk}: it is the {{number_id}} of "
                f"/api/v1/whatsapp/{{number_id}}/templates/"
            )
        )
