"""A small institution "as colleges are", as CSV texts, for the import tests: a section
split into two lab subgroups, an elective basket with two options, a shift, a room closure,
preferences and a fixed session."""

from __future__ import annotations

FILES: dict[str, str] = {
    "departments": "code,name\nCSE,Computer Science\n",
    "rooms": (
        "code,capacity,kind,building,features\n"
        "LH-1,70,lecture,Main,projector\n"
        "LH-2,40,lecture,Main,\n"
        "LAB-1,35,lab,Labs,Computers\n"
        "LAB-2,35,lab,Labs,\n"
    ),
    "room_unavailability": "room,day,period\nLH-2,FRI,4\n",
    "timeslots": "day,period,start,end\n"
    + "".join(
        f"{day},{p},{8 + p:02d}:00,{8 + p:02d}:50\n"
        for day in ("MON", "TUE", "WED", "THU", "FRI")
        for p in range(1, 7)
    ),
    "shifts": "code,name,periods\nMORNING,Morning,1-4\nDAY,Whole day,1-3;4-6\n",
    "faculty": (
        "employee_id,name,email,department,max_consecutive,max_gaps_per_day\n"
        "F1,One,,CSE,3,1\nF2,Two,,CSE,,\nF3,Three,,CSE,2,0\nF4,Four,,CSE,,\n"
    ),
    "faculty_preferences": ("employee_id,day,period,preference\nF1,MON,1,avoid\nF2,TUE,2,Prefer\n"),
    "subjects": (
        "code,name,department,kind,sessions_per_week,room_features\n"
        "CS1,Programming,CSE,theory,3,\n"
        "CS1L,Programming Lab,CSE,lab,1,computers\n"
        "EL1,Elective One,CSE,theory,2,\n"
        "EL2,Elective Two,CSE,theory,2,projector\n"
    ),
    "batches": (
        "code,name,department,semester,size,parent,shift\n"
        "A,Section A,CSE,3,60,,DAY\n"
        "A1,Section A lab group 1,CSE,3,30,A,\n"
        "A2,Section A lab group 2,CSE,3,30,A,DAY\n"
        "B,Section B,CSE,3,40,,\n"
    ),
    "students": ("roll_number,name,email,batch\nR1,S1,,A1\nR2,S2,,A1\nR3,S3,,A2\nR4,S4,,B\n"),
    "offerings": ("batch,subject,faculty,group\nA,CS1,F1,\nA1,CS1L,F2,\nA2,CS1L,F2,\nB,CS1,F1,\n"),
    "baskets": "code,name,batches,sessions_per_week,periods_per_session,min_days\n"
    "OE,Open elective,A;B,2,,\n",
    "basket_options": "basket,subject,faculty\nOE,EL1,F3\nOE,EL2,F4\n",
    "enrollments": "roll_number,basket,subject\nR1,OE,EL1\nR2,OE,EL2\nR3,OE,EL1\nR4,OE,EL2\n",
    "fixed_sessions": "batch,subject,day,period,room\nA,CS1,MON,1,LH-1\nB,EL1,TUE,3,\n",
}


def write_all(write, folder: str = "inst", **replace: str | None) -> str:
    """Write the files (``replace`` swaps a kind's text; ``None`` leaves it out)."""
    for kind, text in {**FILES, **replace}.items():
        if text is not None:
            write(f"{kind}.csv", text, folder=folder)
    return folder
