"""Home page: what the signed-in user can do, in their language."""
from flask import g
from flask_appbuilder import IndexView, expose


class HomeView(IndexView):
    index_template = "backoffice/index.html"

    @expose("/")
    def index(self):
        user = g.user if g.user is not None and g.user.is_authenticated else None
        return self.render_template(self.index_template, appbuilder=self.appbuilder, user=user)
