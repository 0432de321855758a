from django.apps import AppConfig


class OnlineClassesConfig(AppConfig):
    name = "ganxun.onlineclasses"
    label = "onlineclasses"
    verbose_name = "专题网络班"

    def ready(self) -> None:
        from ganxun.access import scope
        from ganxun.learning.home import register_home_panel
        from ganxun.onlineclasses import jobs  # noqa: F401  (run_huey autoloads only modules named tasks)
        from ganxun.onlineclasses.models import ThemedClass, ThemedClassMember, ThemedClassReminder
        from ganxun.onlineclasses.panels import HOME_CARD_ORDER, render_home_card

        # A themed class is seen along its owner (the org department's subtree), by roles whose
        # scope holds members' units (liaisons), and by its members (selectors add distinct()).
        scope.register(ThemedClass, paths=("owner__path", "members__unit__path"),
                       owner="members__cadre__person__account")
        scope.register(ThemedClassMember, paths=("unit__path",), owner="cadre__person__account")
        scope.register(ThemedClassReminder, paths=("member__unit__path",), owner="member__cadre__person__account")

        # The learner home's card (portal:learn_home), only for learners with a cadre record: a
        # membership is a cadre's.
        register_home_panel("themed-classes", order=HOME_CARD_ORDER, render=render_home_card, needs_cadre=True)
