"""A tiny institution as CSV text, kind by kind: one department, a lecture hall and a lab,
MON-FRI with four periods, two teachers, one batch with a theory class and a lab. It
generates in a second or two."""

from __future__ import annotations

TINY: dict[str, str] = {
    "departments": "code,name\nCSE,Computer Science\n",
    "rooms": "code,capacity,kind\nLH-101,60,lecture\nLAB-1,60,lab\n",
    "timeslots": "day,period,start,end\n"
    + "".join(
        f"{day},{period},{start},{end}\n"
        for day in ("MON", "TUE", "WED", "THU", "FRI")
        for period, (start, end) in enumerate(
            [("09:00", "09:50"), ("09:50", "10:40"), ("11:00", "11:50"), ("11:50", "12:40")],
            start=1,
        )
    ),
    "faculty": "employee_id,name,email,department\n"
    "F001,Dr. Anita Rao,rao@example.edu,CSE\nF002,Dr. Vikram Sen,sen@example.edu,CSE\n",
    "subjects": "code,name,department,kind,sessions_per_week\n"
    "CS301,Data Structures,CSE,theory,3\nCS391,Structures Lab,CSE,lab,1\n",
    "batches": "code,name,department,semester,size\nCSE-3A,CSE semester 3 A,CSE,3,40\n",
    "offerings": "batch,subject,faculty\nCSE-3A,CS301,F001\nCSE-3A,CS391,F002\n",
}
