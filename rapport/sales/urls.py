from django.urls import path

from rapport.sales import catalogue_views, forecast_views, record_deals_views, views

app_name = "sales"

urlpatterns = [
    path("deals/", views.deal_list, name="deal_list"),
    path("deals/board/", views.board, name="board"),
    path("deals/new/", views.deal_new, name="deal_new"),
    path("deals/<int:pk>/", views.deal_detail, name="deal_detail"),
    path("deals/<int:pk>/edit/", views.deal_edit, name="deal_edit"),
    path("deals/<int:pk>/move/", views.deal_move, name="deal_move"),
    path("deals/<int:pk>/timeline/", views.deal_timeline, name="deal_timeline"),
    path("deals/<int:pk>/fields/<str:name>/", views.deal_field, name="deal_field"),
    path("deals/<int:pk>/contacts/", views.deal_contact_add, name="deal_contact_add"),
    path(
        "deals/<int:pk>/contacts/<int:contact_id>/remove/",
        views.deal_contact_remove,
        name="deal_contact_remove",
    ),
    path("deals/<int:pk>/lines/", views.deal_line_add, name="deal_line_add"),
    path(
        "deals/<int:pk>/lines/<int:index>/remove/", views.deal_line_remove, name="deal_line_remove"
    ),
    path("leads/", views.lead_list, name="lead_list"),
    path("leads/new/", views.lead_new, name="lead_new"),
    path("leads/<int:pk>/", views.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/edit/", views.lead_edit, name="lead_edit"),
    path("leads/<int:pk>/fields/<str:name>/", views.lead_field, name="lead_field"),
    path("leads/<int:pk>/disqualify/", views.lead_disqualify, name="lead_disqualify"),
    path("leads/<int:pk>/convert/", views.lead_convert, name="lead_convert"),
    path("forecast/", forecast_views.forecast_page, name="forecast"),
    path("forecast/panels/<slug:name>/", forecast_views.forecast_panel, name="forecast_panel"),
    path("settings/web-forms/", views.web_forms, name="web_forms"),
    path(
        "settings/web-forms/<int:form_id>/subscription/",
        views.web_form_subscription,
        name="web_form_subscription",
    ),
    path("settings/pipelines/", catalogue_views.pipelines, name="pipelines"),
    path("settings/scoring/", catalogue_views.scoring, name="scoring"),
    path("products/", catalogue_views.products, name="products"),
    path("orders/", catalogue_views.orders, name="orders"),
    path("contacts/<int:pk>/purchases/", views.contact_purchases, name="contact_purchases"),
    path("contacts/<int:pk>/deals/", record_deals_views.contact_deals, name="contact_deals"),
    path("companies/<int:pk>/deals/", record_deals_views.company_deals, name="company_deals"),
    path("companies/<int:pk>/purchases/", views.company_purchases, name="company_purchases"),
]
