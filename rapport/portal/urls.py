from django.urls import path

from rapport.portal import views

app_name = "portal"

urlpatterns = [
    path("<slug:workspace_slug>/", views.start, name="start"),
    path("<slug:workspace_slug>/link/<str:token>/", views.link, name="link"),
    path("<slug:workspace_slug>/sign-out/", views.sign_out, name="sign_out"),
    path("<slug:workspace_slug>/tickets/", views.tickets, name="tickets"),
    path("<slug:workspace_slug>/tickets/new/", views.ticket_new, name="ticket_new"),
    path("<slug:workspace_slug>/tickets/suggestions/", views.suggestions, name="suggestions"),
    path("<slug:workspace_slug>/tickets/<int:number>/", views.ticket, name="ticket"),
    path("<slug:workspace_slug>/tickets/<int:number>/reply/", views.reply, name="reply"),
    path("<slug:workspace_slug>/files/<int:attachment_id>/", views.attachment, name="attachment"),
    path("<slug:workspace_slug>/help/", views.help_centre, name="help"),
    path("<slug:workspace_slug>/help/<slug:slug>/", views.help_article, name="article"),
]
