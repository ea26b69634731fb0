"""Backoffice for the ΚΣΕ training centres and the Ε.Μ.Α. evaluator registry.

Kept free of imports so that `app.rules` (plain-Python rule modules) can be imported
without Flask. The application factory is `app.factory.create_app`.
"""
