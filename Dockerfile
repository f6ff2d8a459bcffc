# Lusha Portal: one image for web, worker, beat and migrate (docker-compose.yml picks the role).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

RUN useradd --create-home --uid 1000 portal

# The locked tree first (a layer that changes only with the lock), hashes checked.
COPY requirements/run.txt requirements/run.txt
RUN pip install --no-cache-dir --require-hashes -r requirements/run.txt

# Then the portal itself, without dependencies, built by the locked setuptools.
COPY pyproject.toml README.md ./
COPY lusha_portal ./lusha_portal
COPY lusha_sandbox ./lusha_sandbox
COPY accounts ./accounts
COPY prospecting ./prospecting
COPY lists ./lists
COPY signals ./signals
COPY spend ./spend
COPY privacy ./privacy
COPY abm ./abm
RUN pip install --no-cache-dir --no-deps --no-build-isolation .

COPY . .
# collectstatic needs settings to load; these throwaway values, random for each build (production
# refuses a short or well-known key), never reach a running container.
RUN DEBUG=false ALLOWED_HOSTS=build \
    SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    PORTAL_ENCRYPTION_KEYS="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
    DATABASE_URL=postgres://build@build:5432/build REDIS_URL=redis://build:6379/0 \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var && chown -R portal /app/var

USER portal
EXPOSE 8000
CMD ["python", "-m", "lusha_portal.launch", "web"]
