"""The console's edit page: one session of a draft, every place it could go (best first),
and a move or swap checked before it is applied. The same services as the API
(``timetabling.editing``) do the work; an applied move pins the session."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from academics.models import Day, Room
from sih28.console import office_required
from sih28.errors import ApplicationError
from timetabling import editing
from timetabling.models import TimetableSlot

OPTIONS_SHOWN = 25


class MoveForm(forms.Form):
    day = forms.ChoiceField(choices=[(d.label, d.label) for d in Day], label="Day")
    period = forms.IntegerField(min_value=1, label="Period")
    room = forms.ChoiceField(label="Room")
    action = forms.ChoiceField(
        choices=[("check", "check"), ("move", "move")], widget=forms.HiddenInput
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["room"].choices = [
            (code, code) for code in Room.objects.order_by("code").values_list("code", flat=True)
        ]


class SwapForm(forms.Form):
    swap_with = forms.TypedChoiceField(coerce=int, label="Swap with")
    action = forms.ChoiceField(
        choices=[("check", "check"), ("move", "move")], widget=forms.HiddenInput
    )

    def __init__(self, *args, slot: TimetableSlot, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        others = (
            TimetableSlot.objects.filter(job_id=slot.job_id, batch_id=slot.batch_id)
            .exclude(offering_id=slot.offering_id, day=slot.day, period=slot.period)
            .select_related("offering__subject", "room")
            .order_by("day", "period")
        )
        self.fields["swap_with"].choices = [
            (o.pk, f"{o.offering.subject.code} {Day(o.day).label} P{o.period} in {o.room.code}")
            for o in others
        ]


@office_required
def move_page(request: HttpRequest, slot_id: int) -> HttpResponse:
    slot = get_object_or_404(
        TimetableSlot.objects.select_related("job", "offering__subject", "batch", "room"),
        pk=slot_id,
    )
    outcome = refused = None
    problems: list[str] = []
    swapping = request.method == "POST" and "swap_with" in request.POST
    form = MoveForm(None if swapping else request.POST or None)
    swap = SwapForm(request.POST if swapping else None, slot=slot)
    chosen = swap if swapping else form
    if request.method == "POST" and chosen.is_valid():
        data = chosen.cleaned_data
        place = (
            {"swap_with": data["swap_with"]}
            if swapping
            else {"day": data["day"], "period": data["period"], "room": data["room"]}
        )
        try:
            outcome = editing.timetable_move(
                user=request.user,
                job_id=slot.job_id,
                slot_id=slot.pk,
                dry_run=data["action"] == "check",
                **place,
            )
        except editing.MoveRejected as exc:
            refused = exc.extra.get("violations", [])
        except ApplicationError as exc:
            problems.append(exc.message)
        else:
            if outcome.applied:
                url = reverse("timetable-batch", kwargs={"key": slot.batch.code})
                return redirect(f"{url}?job={outcome.job_id}")
    try:
        options = editing.slot_move_options(user=request.user, slot_id=slot.pk, limit=OPTIONS_SHOWN)
    except ApplicationError as exc:
        options = None
        problems.append(exc.message)
    context = {
        "slot": slot,
        "form": form,
        "swap": swap,
        "options": options,
        "outcome": outcome,
        "refused": refused,
        "problems": problems,
        "status_word": "published (a move makes a new draft)" if slot.job.published_at else "draft",
    }
    status = (
        409
        if refused
        else 400
        if problems or (request.method == "POST" and not chosen.is_valid())
        else 200
    )
    return render(request, "timetabling/console_move.html", context, status=status)
