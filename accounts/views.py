from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache

from . import services


@login_required
def message_list(request: HttpRequest) -> HttpResponse:
    messages = request.user.messages.all()
    return render(request, "accounts/message_list.html", {"mailbox": messages})


@never_cache
@login_required
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(request.user.messages, pk=pk)
    services.mark_message_read(message=message)
    response = render(request, "accounts/message_detail.html", {"message": message})
    response["Cache-Control"] = "no-store"
    return response
