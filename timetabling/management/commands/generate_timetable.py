"""``generate_timetable``: run a generation job in this process, show progress, summarise."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sih28.errors import ApplicationError
from timetabling.generation import (
    JobMetrics,
    JobParams,
    generation_job_create,
    generation_job_run,
    timetable_publish_direct,
    variant_comparison,
)
from timetabling.generation.variants import MAX_VARIANTS
from timetabling.models import GenerationJob, JobStatus


class Command(BaseCommand):
    help = (
        "Generate a timetable for the whole institution, a semester, a department or a "
        "batch, in this process (no worker needed); optionally publish it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--semester", type=int, help="only batches of this semester")
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument("--department", metavar="CODE", help="only this department")
        scope.add_argument("--batch", metavar="CODE", help="only this batch")
        parser.add_argument(
            "--time-limit",
            type=int,
            metavar="SECONDS",
            help="solver time limit (default: GENERATION_TIME_LIMIT_S)",
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help=(
                "publish the timetable when the job completes, without the approval steps "
                "(recorded in its review log as published from the command line)"
            ),
        )
        parser.add_argument(
            "--variants",
            type=int,
            default=1,
            metavar="K",
            help=f"make K variants (1 to {MAX_VARIANTS}) by different weightings, in turn",
        )
        parser.add_argument(
            "--stay-close",
            action="store_true",
            help="stay close to the published timetable (minimal changes)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        variants = options["variants"]
        if variants > 1 and options["publish"]:
            raise CommandError("Choose one variant before publishing: --publish needs one job.")
        try:
            job = generation_job_create(
                user=None,
                semester=options["semester"],
                department=options["department"],
                batch=options["batch"],
                time_limit_s=options["time_limit"],
                stay_close=options["stay_close"],
                enqueue=False,
                variants=variants,
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if job.variant_group is not None:
            self._variants(job)
            return
        job = self._run(job)
        if job.status == JobStatus.FAILED:
            raise CommandError(f"Job {job.pk} failed: {job.error}")
        if job.status != JobStatus.COMPLETED:
            raise CommandError(f"Job {job.pk} ended {job.status}: {job.error}")
        if options["publish"]:
            timetable_publish_direct(job_id=job.pk, user=None)
            self.stdout.write(
                self.style.SUCCESS(f"Published job {job.pk} as the timetable of {job.scope_label}.")
            )

    def _run(self, job: Any) -> Any:
        label = f" (variant {job.variant_label})" if job.variant_label else ""
        self.stdout.write(
            f"Job {job.pk}{label}: generating the timetable of {job.scope_label} "
            f"(time limit {job.time_limit_s} s)"
        )
        for note in JobParams.of(job).scope_notes:
            self.stdout.write(f"  {note}")
        started = time.monotonic()
        job = generation_job_run(job_id=job.pk, on_progress=self._progress)
        self._summary(job, time.monotonic() - started)
        return job

    def _variants(self, first: Any) -> None:
        jobs = list(GenerationJob.objects.filter(variant_group=first.variant_group).order_by("pk"))
        for job in jobs:
            self._run(job)
        comparison = variant_comparison(group=first.variant_group)
        self.stdout.write(f"Variants of group {comparison.group}:")
        for v in comparison.variants:
            self.stdout.write(
                f"  job {v.job_id:>5} {v.label:<11} {v.status:<9} soft penalty "
                f"{'-' if v.soft_penalty is None else v.soft_penalty:>6}  idle/batch "
                f"{'-' if v.idle_periods_per_batch is None else v.idle_periods_per_batch}"
            )
        for pair in comparison.pairs:
            self.stdout.write(
                f"  jobs {pair.first} and {pair.second}: {pair.differ} sessions differ "
                f"({pair.share:.0%})"
            )
        done = sum(v.status == JobStatus.COMPLETED for v in comparison.variants)
        self.stdout.write(
            f"{done} of {len(jobs)} variants completed; choose one with "
            f"POST /api/generation-jobs/{{id}}/choose/."
        )
        if not done:
            raise CommandError("No variant completed.")

    def _progress(self, progress: dict[str, Any]) -> None:
        line = f"  {progress.get('elapsed_s', 0):6.1f}s"
        if progress.get("objective") is not None:
            line += f"  objective {progress['objective']:g}"
        if progress.get("bound") is not None:
            line += f"  bound {progress['bound']:g}"
        self.stdout.write(line)
        self.stdout.flush()

    def _summary(self, job: Any, elapsed: float) -> None:
        style = self.style.SUCCESS if job.status == JobStatus.COMPLETED else self.style.ERROR
        self.stdout.write(style(f"Job {job.pk}: {job.status}"))
        m = JobMetrics.of(job)
        if job.status == JobStatus.COMPLETED and m is not None:
            self.stdout.write(
                f"  classes placed:   {m.classes} ({m.sessions} sessions, {m.slots} slots)"
            )
            self.stdout.write(f"  hard violations:  {m.hard_violations}")
            self.stdout.write(
                f"  soft penalty:     {m.soft_penalty} "
                f"(solver objective {m.objective}, bound {m.bound})"
            )
            for name, p in m.penalties.items():
                self.stdout.write(f"    {name:<18} {p.count:>5} x {p.weight}")
            if m.moved is not None:
                if m.moved_in_time is not None and m.moved_room_only is not None:
                    self.stdout.write(
                        f"  moved:            {m.moved_in_time} in time, {m.moved_room_only} "
                        f"in room only, of {m.previous_sessions} published sessions"
                    )
                else:
                    self.stdout.write(
                        f"  moved:            {m.moved} of {m.previous_sessions} published sessions"
                    )
            if m.teachers:
                shown = m.teachers[:10]
                more = len(m.teachers) - len(shown)
                self.stdout.write(
                    "  teachers' unmet preferences (idle beyond allowance / avoided / "
                    "outside preferred periods):"
                )
                for t in shown:
                    self.stdout.write(
                        f"    {t.employee_id:<18} {t.gap:>3} / {t.avoid:>3} / {t.prefer:>3}"
                    )
                if more > 0:
                    self.stdout.write(f"    ... and {more} more")
            first = m.time_to_first_feasible_s
            self.stdout.write(
                f"  time:             {elapsed:.1f} s (build {m.build_time_s} s, solve "
                f"{m.solve_time_s} s, first feasible "
                f"{'-' if first is None else first} s, save {m.save_time_s} s)"
            )
        else:
            self.stdout.write(f"  time:             {elapsed:.1f} s")
            if job.error:
                self.stdout.write(f"  error:            {job.error}")
