from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "ganxun.people"
    label = "people"
    verbose_name = "人员"

    def ready(self) -> None:
        from ganxun.access import scope
        from ganxun.access.passwords import register_identity_source
        from ganxun.org.services import register_deactivation_guard
        from ganxun.people import hooks
        from ganxun.people.models import Cadre, CareerEvent, Person, Teacher

        scope.register(Cadre, paths=("unit__path",), owner="person__account")
        scope.register(CareerEvent, paths=("cadre__unit__path",), owner="cadre__person__account")
        scope.register(Teacher, paths=("institution__path",), owner="person__account")
        scope.register(Person, paths=("cadre__unit__path", "teacher__institution__path"), owner="account")
        register_deactivation_guard(hooks.org_in_use_reason)
        register_identity_source(hooks.account_identity_numbers)
