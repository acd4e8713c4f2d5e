from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/open/", views.notification_open, name="open"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("preferences/", views.preferences, name="preferences"),
    path("calendar/regenerate/", views.calendar_regenerate, name="calendar_regenerate"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("urge/", views.urge, name="urge"),
    path("urges/<int:pk>/answer/", views.urge_answer, name="urge_answer"),
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/new/<int:measure_pk>/", views.notice_create, name="notice_create"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/reply/", views.notice_reply, name="notice_reply"),
    path("settings/", views.settings_page, name="settings"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("deliveries/retry/", views.delivery_retry, name="delivery_retry"),
]
