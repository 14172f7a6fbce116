FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# Collected at build time, as production stores them (hashed names + manifest), for WhiteNoise.
# The throwaway secret and key only let settings load; nothing is signed or stored in the build.
RUN DEBUG=false SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost \
    FIELD_ENCRYPTION_KEY=$(python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())") \
    python manage.py collectstatic --noinput

# Where the processes of web and worker (one volume in docker-compose.yml) keep their metrics.
RUN useradd --create-home pytake && install -d -o pytake -g pytake /var/lib/pytake-metrics
USER pytake
EXPOSE 8000
# Uvicorn streams request bodies to the application, which refuses oversized ones unread;
# Channels' router speaks no lifespan protocol. WEB_CONCURRENCY sets the number of workers.
# X-Forwarded-For is believed only from the proxies FORWARDED_ALLOW_IPS lists (none if empty).
ENV FORWARDED_ALLOW_IPS=""
CMD exec uvicorn pytake.asgi:application --host 0.0.0.0 --port 8000 --lifespan off \
    --forwarded-allow-ips "$FORWARDED_ALLOW_IPS"
