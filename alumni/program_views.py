"""The staff page of the program's view (alumni/program.py) and its CSV."""

import csv

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from community import permissions
from community.decorators import permission_required

from . import program


@permission_required(permissions.is_staff)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    rows = program.weekly_figures()
    charts = [(column, program.chart(rows, column.key)) for column in program.COLUMNS]
    context = {
        "table": [(row["week"], [row[c.key] for c in program.COLUMNS]) for row in rows],
        "columns": program.COLUMNS,
        "charts": charts,
        "alumni": program.alumni_count(),
        "small_cell": program.SMALL_CELL,
        "active": "program",
    }
    return render(request, "staff/program.html", context)


@permission_required(permissions.is_staff)
@require_GET
def dashboard_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="alumni-program-weekly.csv"'
    writer = csv.writer(response)
    writer.writerow(["week starting", *(c.label for c in program.COLUMNS)])
    for row in program.weekly_figures():
        # Every cell is a date, a number, "<5" or empty: nothing a spreadsheet runs.
        writer.writerow([row["week"].isoformat(), *("" if row[c.key] is None else row[c.key] for c in program.COLUMNS)])
    return response
