from django.db import models


class JobRun(models.Model):
    """One period of one scheduled job: claimed by the first scheduler replica to reach it.

    The unique (job, period) pair is what makes a job run once per period however many
    scheduler processes fire it; the row then records how that run ended.
    """

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    job = models.CharField(max_length=64)
    period = models.DateTimeField(help_text="The scheduled time this run stands for.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.TextField(blank=True, help_text="What the job reported, in a line.")
    error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "period"], name="scheduling_one_run_per_period")
        ]
        indexes = [models.Index(fields=["job", "-period"], name="scheduling_job_latest")]
        ordering = ["-period", "job"]

    def __str__(self) -> str:
        return f"{self.job} at {self.period:%Y-%m-%d %H:%M} UTC: {self.get_status_display()}"
