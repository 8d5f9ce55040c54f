"""For lecturers: hand out the workbook, grade a whole class, export the grades.

    release.py       the student's copy of the workbook, checked for leaked answers    (`exercise release OUT`)
    submissions.py   the layouts a class hands in, and the code of each file that is graded
    sandbox.py       one student's code in a child process with limits; worker.py is that process
    grading.py       the whole class: parallel, resumable, a progress line            (`exercise grade SUBMISSIONS`)
    gradebook.py     gradebook.csv, each student's record and report (Markdown, HTML)
    gradescope.py    Gradescope's results.json
    scores.py        cases passed out of how many, from a check() result

README.md ("For lecturers") is the how-to and states the trust model.
"""
