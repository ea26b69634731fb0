"""Home page: each role lands on what it must do next (app.home collects the panels);
the help desk and the Admin get one search box over centres, people and codes."""
from flask import current_app, g, request
from flask_appbuilder import IndexView, expose

from app import access, home
from app.roles import ADMIN, HELPDESK


class HomeView(IndexView):
    index_template = "backoffice/index.html"

    @expose("/")
    def index(self):
        user = g.user if g.user is not None and g.user.is_authenticated else None
        session = current_app.appbuilder.session
        panels = home.home_summary(session, user) if user else []
        can_search = user is not None and bool(access.role_names(user) & {ADMIN, HELPDESK})
        query = request.args.get("q", "")[:100] if can_search else ""
        results = home.search(session, query) if query else []
        return self.render_template(self.index_template, appbuilder=self.appbuilder, user=user, panels=panels,
                                    can_search=can_search, query=query, results=results)
