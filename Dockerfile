# One image for web, Celery worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# compile the optimizer's annealing kernel once, into the image (numba's cache)
RUN python -c "from timetabling.optimizer.anneal import warm_up; warm_up()"
RUN useradd --create-home sih28 && mkdir -p logs && chown -R sih28 logs
USER sih28
EXPOSE 8000
CMD ["gunicorn", "sih28.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
