# Production image: gunicorn serving Django, the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=skills_portal.settings.production
WORKDIR /app

COPY requirements/prod.lock.txt requirements/prod.lock.txt
RUN pip install --no-cache-dir --require-hashes -r requirements/prod.lock.txt

COPY . .
# Static files are collected at build time; the key is only for this step.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput -v 0

RUN useradd --system --home /app portal && chown -R portal /app
USER portal
EXPOSE 8000
# gunicorn's threaded worker: 3 processes of 16 threads, a deep listen queue so that a
# month-end burst waits rather than being reset; bench/load.py runs these very options.
CMD ["gunicorn", "skills_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", "--workers", "3", "--threads", "16", "--backlog", "2048", "--timeout", "300", "--graceful-timeout", "10", "--access-logfile", "-"]
