"""Extension singletons. The AppBuilder itself is created per app in the factory: a
module-level one reused by a second create_app() silently registers no views."""
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

db = get_sqla_class()()
migrate = Migrate()
csrf = CSRFProtect()
