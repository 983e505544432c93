from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from portal import accessibility


class Command(BaseCommand):
    help = (
        "Turn the axe checks the browser suite recorded (test-artifacts/axe-checks.jsonl) into "
        "the results the accessibility policy page shows (portal/data/accessibility.json). "
        "`make test` runs it after the suite."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--records", type=Path, default=accessibility.RECORDS_FILE)
        parser.add_argument("--output", type=Path, default=accessibility.DATA_FILE)

    def handle(self, *args: object, **options: object) -> None:
        records_file = options["records"]
        output = options["output"]
        assert isinstance(records_file, Path) and isinstance(output, Path)
        records = accessibility.read_records(records_file)
        if not records:
            # A run without a browser (Chromium missing) checked nothing: keep the results
            # of the last run that did, rather than publish an empty test.
            self.stdout.write(f"No axe checks in {records_file}: {output} is left as it is.")
            return
        report = accessibility.build_report(records)
        accessibility.write_report(report, output)
        self.stdout.write(
            self.style.SUCCESS(
                f"{output}: {report['pages_checked']} pages, {report['checks']} checks, "
                f"{report['violations']} violations (axe {', '.join(report['axe_versions'])}, "
                f"{report['tested_on']})."
            )
        )
