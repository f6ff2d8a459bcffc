"""Serving details for Werkzeug's threaded server."""

from werkzeug.serving import WSGIRequestHandler

from .app import API_KEY_ENVIRON


class RequestHandler(WSGIRequestHandler):
    """Werkzeug's handler, but keeps the `api_key` header, which it drops for having an
    underscore (a guard against header spoofing that Lusha's own front end does not apply)."""

    def make_environ(self):
        environ = super().make_environ()
        key = self.headers.get("api_key")
        if key is not None:
            environ[API_KEY_ENVIRON] = key
        return environ


class QuietRequestHandler(RequestHandler):
    """No access log (the tests start the sandbox with --quiet)."""

    def log_request(self, code="-", size="-") -> None:
        pass
