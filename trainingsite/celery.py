import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trainingsite.settings")

app = Celery("trainingsite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="trainingsite.noop", ignore_result=False)
def noop(x: int = 0) -> int:
    """Do nothing: the floor that grading throughput is measured against."""
    return x
