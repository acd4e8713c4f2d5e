from django.urls import path

from regulations import views

app_name = "regulations"

urlpatterns = [
    path("", views.rule_list, name="rule_list"),
    path("new/", views.rule_create, name="rule_create"),
    path("<int:pk>/", views.rule_detail, name="rule_detail"),
    path("<int:pk>/edit/", views.rule_edit, name="rule_edit"),
    path("<int:pk>/drafts/new/", views.draft_upload, name="draft_upload"),
    path("drafts/<int:pk>/", views.draft_download, name="draft_download"),
    path("drafts/<int:pk>/diff/", views.draft_diff, name="draft_diff"),
    path("<int:pk>/opinion/", views.opinion_answer, name="opinion_answer"),
    path("opinions/<int:pk>/reply/", views.reply_answer, name="reply_answer"),
    path("<int:pk>/advance/<slug:name>/", views.rule_advance, name="rule_advance"),
    path("<int:pk>/return/", views.rule_return, name="rule_return"),
    path("<int:pk>/deliberate/", views.rule_deliberate, name="rule_deliberate"),
    path("<int:pk>/issue/", views.rule_issue, name="rule_issue"),
    path("<int:pk>/evaluate/", views.rule_evaluate, name="rule_evaluate"),
    path("<int:pk>/issued/", views.issued_download, name="issued_download"),
    path("compendium/<int:pk>/", views.compendium_export, name="compendium"),
]
