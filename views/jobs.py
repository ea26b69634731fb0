"""Background jobs: the list, and the page of one job (state, progress, result or error,
auto-refreshing while it runs). Admin and the help desk see every job; whoever started a
job sees it too (app.jobs.visible_clause); the one who started a failed job, or the
Admin, may retry it."""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, send_file, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext, lazy_gettext as _l
from markupsafe import Markup

from app import access, jobs
from app.clock import utc_to_local
from app.errors import Refused
from app.roles import ADMIN, CENTRE_MANAGER, COMMITTEE, READ
from models.jobs import Job
from views.base import ReadOnlyModelView

LABELS = {
    "id": _l("Job"),
    "kind": _l("Kind"),
    "state": _l("State"),
    "actor_name": _l("Started by"),
    "created_at": _l("Created at"),
    "started_at": _l("Started at"),
    "finished_at": _l("Finished at"),
    "progress_done": _l("Progress"),
    "progress_total": _l("Total"),
    "error": _l("Error"),
    "result": _l("Result"),
}
EMPTY = "—"


def local_minute(value) -> str:
    return utc_to_local(value).strftime("%d/%m/%Y %H:%M") if value else EMPTY


class OwnJobsFilter(BaseFilter):
    """Row scope of jobs (in place of access.ROW_SCOPE, which would show a system record
    to nobody but the Admin and the help desk)."""

    name = "Jobs in scope"
    arg_name = "jobscope"

    def apply(self, query, value):
        return query.filter(jobs.visible_clause(access.current()))


def _job_link(pk):
    return Markup('<a href="{}">#{}</a>').format(url_for("JobView.page", pk=pk), pk)


class JobView(ReadOnlyModelView):
    title = _l("Background jobs")
    route_base = "/jobs"
    datamodel = SQLAInterface(Job)
    base_filters = [["id", OwnJobsFilter, None]]
    base_permissions = ["can_list", "can_show", "can_export", "can_retry"]
    list_columns = ["id", "kind", "state", "actor_name", "created_at", "finished_at", "progress_done"]
    show_columns = ["id", "kind", "state", "actor_name", "created_at", "started_at", "finished_at",
                    "progress_done", "progress_total", "error"]
    export_columns = show_columns
    search_columns = ["kind", "state", "actor_name", "created_at"]
    order_columns = ["id", "kind", "state", "created_at"]  # indexed (issue #13)
    base_order = ("id", "desc")
    label_columns = LABELS
    formatters_columns = {
        "id": _job_link,
        "kind": lambda kind: str(jobs.kind_label(kind)),
        "state": lambda state: str(jobs.STATE_LABELS.get(state, state)),
        "created_at": local_minute,
        "started_at": local_minute,
        "finished_at": local_minute,
    }
    # Those who start jobs follow them; the Admin holds everything, the help desk reads.
    role_permissions = {COMMITTEE: READ | {"can_retry"}, CENTRE_MANAGER: READ | {"can_retry"}}

    def _job(self, pk) -> Job:
        return self._scoped_get(pk)  # another user's job is a 404

    def _status(self, job: Job) -> dict:
        return {
            "id": job.id,
            "state": job.state.value,
            "state_label": str(jobs.STATE_LABELS[job.state]),
            "done": job.progress_done,
            "total": job.progress_total,
            "percent": job.percent,
            "finished": job.finished,
            "error": job.error,
        }

    @expose("/<int:pk>")
    @has_access
    @permission_name("show")
    def page(self, pk):
        job = self._job(pk)
        h = jobs.HANDLERS.get(job.kind)
        target = None
        summary = h.describe(job.result) if h and h.describe and job.result else None
        download = (url_for(".download", pk=job.id)
                    if job.kind in jobs.REPORT_SOURCES and job.state.value == "succeeded" else None)
        if h and h.target:
            endpoint, args = h.target(job.params)
            target = url_for(endpoint, **args)
        user = access.current()
        may_retry = (job.state.value == "failed" and (job.actor_id == user.id or ADMIN in access.role_names(user))
                     and self.appbuilder.sm.has_access("can_retry", self.class_permission_name))
        return self.render_template(
            "jobs/job.html", job=job, status=self._status(job), kind_label=jobs.kind_label(job.kind),
            state_label=jobs.STATE_LABELS[job.state], target=target, summary=summary, may_retry=may_retry,
            download=download,
            created=local_minute(job.created_at), started=local_minute(job.started_at),
            finished=local_minute(job.finished_at), title=gettext("Job %(id)s", id=job.id))

    @expose("/<int:pk>/status")
    @has_access
    @permission_name("show")
    def status(self, pk):
        response = jsonify(self._status(self._job(pk)))
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/<int:pk>/download")
    @has_access
    @permission_name("show")
    def download(self, pk):
        """The file a report job produced: the job in the user's scope, the permission
        that started it still held, the row it was made from in the user's row scope."""
        job = self._job(pk)
        try:
            path, name, mimetype = jobs.report_file(self.datamodel.session, job, access.current())
        except Refused:
            abort(404)
        response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)
        response.headers["Cache-Control"] = "private, no-store"
        return response

    @expose("/<int:pk>/retry", methods=["POST"])
    @has_access
    @permission_name("retry")
    def retry(self, pk):
        job = self._job(pk)
        user = access.current()
        if job.actor_id != user.id and ADMIN not in access.role_names(user):
            abort(403)
        try:
            new = jobs.retry(job.id, actor_id=user.id)
        except Refused as exc:
            flash(exc.text(), "danger")
            return redirect(url_for(".page", pk=job.id), code=303)
        flash(gettext("The job has been queued again."), "info")
        return redirect(url_for(".page", pk=new.id), code=303)


def start_report(kind: str, params: dict, back: str):
    """Start a report job (app.jobs.report_handler) and show its page: progress, then
    the download link; a refusal (the same file is being made) goes back with a message."""
    try:
        job = jobs.enqueue(kind, params)
    except Refused as exc:
        flash(exc.text(), "danger")
        return redirect(back)
    return redirect(url_for("JobView.page", pk=job.id), code=303)


def register(appbuilder, add):
    add(JobView, "Background jobs", label=_l("Background jobs"), icon="fa-tasks")
