"""gunicorn's settings for the portal's web process. gunicorn reads ./gunicorn.conf.py by
default, and the launcher (`python -m lusha_portal.launch web`, `make run`, docker-compose)
starts it from this folder; flags on its command line win.

Request line and headers: at most 4 KB for the line (gunicorn's default), 8 KB a header and 50
headers (a browser sends about 15). gunicorn has no cap on a request's body: the portal stops
reading an upload at IMPORT_MAX_BYTES (lusha_portal/uploads.py) and any other body at
DATA_UPLOAD_MAX_MEMORY_SIZE, and the TLS proxy in front should refuse bigger bodies before
they reach the portal (nginx: `client_max_body_size 11m;`).
"""

limit_request_line = 4094
limit_request_field_size = 8190
limit_request_fields = 50
