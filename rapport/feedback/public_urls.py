from django.urls import path

from rapport.feedback.public_views import survey_answer_page, survey_page

urlpatterns = [
    path("<str:token>/", survey_page, name="feedback-survey"),
    path("<str:token>/<int:score>/", survey_answer_page, name="feedback-answer"),
]
