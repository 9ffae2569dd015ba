from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "carnet.api"
    label = "api"
    verbose_name = "API"
