"""The REST API, version 1: one router per resource; every answer is a named query from ``dpv_almi/sparql/named``."""

from fastapi import APIRouter

from dpv_almi.web.routers.v1 import activities, corpus, notice, policies, queries

router = APIRouter(prefix="/v1")
for module in (policies, activities, notice, queries, corpus):
    router.include_router(module.router)
