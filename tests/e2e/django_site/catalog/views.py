import os

from django.http import HttpResponse
from django.shortcuts import render

PRODUCTS = [
    {"name": "Lever", "price": "12.00"},
    {"name": "Pulley", "price": "18.50"},
    {"name": "Wedge", "price": "7.25"},
]


def index(request):
    return render(request, "catalog/index.html", {
        "products": PRODUCTS,
        "pid": os.getpid(),
        "secure": request.is_secure(),
    })


def healthz(request):
    return HttpResponse("ok\n", content_type="text/plain")
