"""Flask-AppBuilder strings missing from FAB's own Greek catalogue. Listed here so that
extraction keeps them in ours (which loads after FAB's and so fills the gaps);
tests/test_foundation_i18n.py fails if FAB gains a gap we do not fill."""
from flask_babel import lazy_gettext as _l

FAB_STRINGS = [
    _l("Database Error"), _l("Not a valid choice"), _l("Select Value"),
    _l("Must have at least two capital letters, one special character, two digits, three lower case letters and a minimal length of 10."),
    _l("Contains (insensitive)"), _l("Start with"), _l("In"), _l("Not In"),
    _l("Either select a role or a group"), _l("List Groups"), _l("User Registrations"),
    _l("Edit User Information"), _l("User information changed"), _l("Groups"),
    _l("The user's password for authentication"), _l("User(s) exists in the role, cannot delete"),
    _l("Show Group"), _l("Add Group"), _l("Edit Group"), _l("User(s) exists in the group, cannot delete"),
    _l("Add"), _l("Edit"), _l("Show"), _l("Delete"), _l("Are you sure you want to delete this item?"),
    _l("Detail"), _l("Sign In with "),
    _l("Sign In"),  # the login page title: «Είσοδος», as in the manual (FAB says «Σύνδεση»)
]
