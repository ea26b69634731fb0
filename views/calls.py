"""Calls, expression of interest, Form A2 and the lottery: K-4…K-9."""


def register(appbuilder, add):
    pass
