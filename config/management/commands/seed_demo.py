import os

from django.core.management.base import BaseCommand

from alliance import demo
from orders import demo as orders_demo
from scheduling import demo as scheduling_demo
from tracking import demo as tracking_demo


class Command(BaseCommand):
    help = "Load the demo network and member companies. Safe to run again: nothing is duplicated."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=os.environ.get("DEMO_PASSWORD", "lorry-demo-2026"),
            help="Password of every demo account (default: $DEMO_PASSWORD or lorry-demo-2026).",
        )

    def handle(self, *args, password: str, **options):
        demo.seed_members(password=password)
        scheduling_demo.seed_network_and_schedule()
        orders_demo.seed_tariffs()
        orders_demo.seed_orders()
        tracking_demo.seed_events()
        self.stdout.write(
            self.style.SUCCESS("Demo data is in place. Sign in at http://127.0.0.1:8000/")
        )
        for label, email in [
            ("Alliance admin (Django admin at /admin/)", demo.ADMIN_EMAIL),
            ("Demo member admin (Chongqing Yuxin)", demo.DEMO_MEMBER_EMAIL),
            ("Demo dispatcher", "dispatch@yuxin-logistics.example"),
            ("Demo viewer", "viewer@yuxin-logistics.example"),
        ]:
            self.stdout.write(f"  {label}: {email} / {password}")
        # Staff must use two-factor sign-in; the demo seeds no authenticator (no shared
        # secret to leak), so the admin's first sign-in shows the enrolment QR code.
        self.stdout.write(
            "  The alliance admin turns on two-factor sign-in at the first sign-in: scan the "
            "QR code with an authenticator app (or type the key shown beside it)."
        )
