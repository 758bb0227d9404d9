from ninja import NinjaAPI

api = NinjaAPI(title="Rapport API", version="1", urls_namespace="api-v1")
