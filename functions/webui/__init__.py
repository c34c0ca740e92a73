"""The web pages' machinery: templates, message catalogues, the session cookie, sign-in and static files.

``functions/web.py`` holds the page handlers; they call the same services as the API through
``shared.bootstrap.call``. Nothing here holds a business rule.
"""
