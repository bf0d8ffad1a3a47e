"""Status pages of background jobs (evidence packs, spreadsheet imports).

They never reload themselves. A page that does (a Refresh header or
``<meta http-equiv="refresh">``) fails WCAG 2.2.1 Timing Adjustable (W3C failure technique
F41): a screen reader starts again from the top at every reload, and nobody can stop it.
Instead:

- the page shows how far the job has got, with a "Check progress" link that works with no
  script at all;
- where script runs, ``static/js/job-status.js`` fetches the same page every
  ``POLL_SECONDS`` and updates the progress line in place (a polite live region, so the new
  figure is announced) and the status tag; once the job has finished it puts the finished
  page's content in place and moves focus to its heading (or error summary), so the
  outcome is announced once.

Templates wrap the part that changes in ``job_region`` and show progress with
``job_progress`` (``templates/_job_status.html``).
"""

from __future__ import annotations

from typing import Any

from flask import make_response, render_template
from werkzeug.wrappers import Response as WerkzeugResponse

from svcollect.models.jobs import UNFINISHED, ExportJob, ImportJob

#: seconds between the script's checks while a job waits or runs
POLL_SECONDS = 3


def job_status_page(template: str, job: ExportJob | ImportJob, **context: Any) -> WerkzeugResponse:
    """The job's status page, never cached (it changes as the job runs), and watched by the
    script while the job is unfinished."""
    poll = POLL_SECONDS if job.status in UNFINISHED else None
    response = make_response(render_template(template, job=job, poll_seconds=poll, **context))
    response.headers["Cache-Control"] = "no-store"
    return response
