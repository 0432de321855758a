"""What the demo place is made of: the fictional province 江东省, its cities and
counties, and the catalogue of units a city or county has.

Names follow the real conventions (中共XX委组织部, XX市发展和改革委员会 at
city level but XX县发展和改革局 at county level, 厅 at province level) so the
lists look familiar; the places themselves are invented. Region codes keep
GB/T 2260's shape inside the province: 339000 → cities 3391‥3399 → counties
(districts 02‥, counties 21‥, county-level cities 81‥).
"""

from __future__ import annotations

from dataclasses import dataclass, field

PROVINCE = ("江东省", "339000")

# City 1 is the demo city; the others appear at province scale only. The code
# range 3391‥3399 holds nine cities, which is why the province has nine.
CITIES = [
    ("临江市", "3391"), ("云溪市", "3392"), ("南屏市", "3393"), ("安澜市", "3394"), ("东滨市", "3395"),
    ("青岩市", "3396"), ("枫桥市", "3397"), ("白鹭市", "3398"), ("翠屏市", "3399"),
]

# 临江市's counties, in the order the small scales take them (tiny takes two).
LINJIANG_COUNTIES = [
    ("东城区", "02"), ("青山县", "22"), ("西湖区", "03"), ("南湖区", "04"), ("北岭区", "05"),
    ("江源县", "21"), ("松溪县", "23"), ("白石县", "24"), ("云台县", "25"), ("江口市", "81"),
]

# Other cities draw their counties from these stems without repeats, so every
# county name in the province is different.
COUNTY_STEM_FIRST = "青松白云桃梅兰竹石金玉龙凤鹤清丰安平永泰宁新长明华秀翠碧紫银"
COUNTY_STEM_SECOND = "山溪川林源阳江湖岭泉峰田水城河塘滨"
# Shape of every city: four districts, five counties, one county-level city.
COUNTY_SHAPE = [("区", "02"), ("区", "03"), ("区", "04"), ("区", "05"), ("县", "21"), ("县", "22"),
                ("县", "23"), ("县", "24"), ("县", "25"), ("市", "81")]

TOWN_STEMS = [
    "松林", "白沙", "石桥", "清溪", "桃源", "龙潭", "梅岭", "柳湾", "芦花", "凤鸣", "双溪", "金竹", "樟树",
    "竹山", "黄泥", "大埠", "新塘", "枫林", "云岭", "花桥", "横山", "马岭", "沙溪", "岭头", "高桥", "前洋",
    "杨梅", "杏坛", "荷塘", "上坪", "下洋", "溪口", "塘头", "湖山", "茶园", "官庄", "龙门", "鹤溪",
]
STREET_STEMS = [
    "城东", "城西", "城南", "城北", "江滨", "湖滨", "新安", "望江", "文昌", "朝阳", "滨河", "西园",
    "东湖", "南门", "北关", "凤凰", "锦绣", "丹桂", "观澜", "迎春",
]
ROADS = ["人民路", "解放路", "中山路", "建设路", "文化路", "江滨大道", "府前街", "新华路", "环城东路", "学院路"]

# Teaching bases of a city (on-site teaching for party-spirit and practice).
BASES = ["{p}红色教育基地（江畔革命纪念馆）", "{p}乡村振兴实践基地", "{p}廉政教育基地"]


@dataclass(frozen=True)
class UnitTemplate:
    """A unit as named at each level ({p} = the place's name); None where the level has none.

    `small` lists the levels ("c" city, "x" county) where the unit belongs to
    the representative catalogue of the small scales; the full catalogue has
    every unit. `head_offset` lowers the head's rank by that many steps below
    a department head of the same level (a school, a centre).
    """

    province: str | None
    city: str | None
    county: str | None
    tier: str
    category: str
    weight: float
    small: str = ""
    head_offset: int = 0
    subs: tuple["UnitTemplate", ...] = field(default=())

    def name_at(self, level: str) -> str | None:
        return {"province": self.province, "city": self.city, "county": self.county}[level]


def _dept(province, city, county, small="", weight=1.0, subs=()):
    return UnitTemplate(province, city, county, "dept", "party_gov", weight, small, 0, tuple(subs))


def _sub(province, city, county, small="", weight=0.3):
    return UnitTemplate(province, city, county, "sub", "public_inst", weight, small, 1)


def _same(name, **kwargs):
    return _dept(name, name, name, **kwargs)


# Leadership bodies: their members have the level's leading rank; no staff.
LEADERSHIP = [
    UnitTemplate("中共{p}委员会", "中共{p}委员会", "中共{p}委员会", "committee", "party_gov", 0, "cx"),
    UnitTemplate("{p}人民政府", "{p}人民政府", "{p}人民政府", "government", "party_gov", 0, "cx"),
    UnitTemplate("{p}人民代表大会常务委员会", "{p}人民代表大会常务委员会", "{p}人民代表大会常务委员会",
                 "congress", "party_gov", 0),
    UnitTemplate("中国人民政治协商会议{p}委员会", "中国人民政治协商会议{p}委员会", "中国人民政治协商会议{p}委员会",
                 "cppcc", "party_gov", 0),
]

DEPARTMENTS = [
    _same("中共{p}委办公室", small="cx"),
    _dept("{p}人民政府办公厅", "{p}人民政府办公室", "{p}人民政府办公室", small="cx"),
    _same("中共{p}纪律检查委员会", small="cx", weight=1.2),
    _same("中共{p}委宣传部", small="c"),
    _same("中共{p}委统一战线工作部", small="c", weight=0.6),
    _same("中共{p}委政法委员会", small="c", weight=0.6),
    _dept("中共{p}委机构编制委员会办公室", "中共{p}委机构编制委员会办公室", None, weight=0.4),
    _dept("{p}发展和改革委员会", "{p}发展和改革委员会", "{p}发展和改革局", small="cx",
          subs=[_sub("{p}价格认证中心", "{p}价格认证中心", "{p}价格认证中心", small="cx")]),
    _dept("{p}教育厅", "{p}教育局", "{p}教育局", small="cx"),
    _dept("{p}科学技术厅", "{p}科学技术局", None, small="c", weight=0.7),
    _dept("{p}经济和信息化厅", "{p}经济和信息化局", "{p}经济和信息化局", small="c"),
    _dept("{p}公安厅", "{p}公安局", "{p}公安局", small="c", weight=1.8),
    _dept("{p}民政厅", "{p}民政局", "{p}民政局", small="c", weight=0.8),
    _dept("{p}司法厅", "{p}司法局", "{p}司法局", small="c", weight=0.8),
    _dept("{p}财政厅", "{p}财政局", "{p}财政局", small="cx",
          subs=[_sub("{p}财政国库支付中心", "{p}财政国库支付中心", "{p}财政国库支付中心", small="c")]),
    _dept("{p}人力资源和社会保障厅", "{p}人力资源和社会保障局", "{p}人力资源和社会保障局", small="cx",
          subs=[_sub("{p}就业服务中心", "{p}就业服务中心", "{p}就业服务中心", small="c")]),
    _dept("{p}自然资源厅", "{p}自然资源和规划局", "{p}自然资源和规划局", small="c"),
    _dept("{p}生态环境厅", "{p}生态环境局", None, small="c"),
    _dept("{p}住房和城乡建设厅", "{p}住房和城乡建设局", "{p}住房和城乡建设局", small="c"),
    _dept("{p}交通运输厅", "{p}交通运输局", "{p}交通运输局", small="c"),
    _dept("{p}水利厅", "{p}水利局", "{p}水利局", small="c", weight=0.8),
    _dept("{p}农业农村厅", "{p}农业农村局", "{p}农业农村局", small="cx",
          subs=[_sub("{p}农业技术推广中心", "{p}农业技术推广中心", "{p}农业技术推广中心")]),
    _dept("{p}商务厅", "{p}商务局", "{p}商务局", small="c", weight=0.7),
    _dept("{p}文化和旅游厅", "{p}文化广电旅游局", "{p}文化广电旅游局", small="c"),
    _dept("{p}卫生健康委员会", "{p}卫生健康委员会", "{p}卫生健康局", small="cx",
          subs=[_sub("{p}疾病预防控制中心", "{p}疾病预防控制中心", "{p}疾病预防控制中心", small="c", weight=0.5)]),
    _dept("{p}退役军人事务厅", "{p}退役军人事务局", "{p}退役军人事务局", small="c", weight=0.5),
    _dept("{p}应急管理厅", "{p}应急管理局", "{p}应急管理局", small="c", weight=0.7),
    _dept("{p}审计厅", "{p}审计局", "{p}审计局", small="c", weight=0.7),
    _same("{p}市场监督管理局", small="c", weight=1.2),
    _same("{p}统计局", small="c", weight=0.5),
    _same("{p}医疗保障局", small="c", weight=0.5),
    _dept("{p}大数据发展管理局", "{p}数据资源管理局", None, small="c", weight=0.5),
    _dept("{p}信访局", "{p}信访局", None, weight=0.4),
    _dept("{p}机关事务管理局", "{p}机关事务管理局", None, weight=0.4),
    _dept("{p}林业局", "{p}林业局", None, weight=0.6),
    _dept("{p}体育局", "{p}体育局", None, weight=0.4),
    _dept("{p}粮食和物资储备局", "{p}粮食和物资储备局", None, weight=0.4),
    UnitTemplate("{p}高级人民法院", "{p}中级人民法院", "{p}人民法院", "judicial", "party_gov", 1.3),
    UnitTemplate("{p}人民检察院", "{p}人民检察院", "{p}人民检察院", "judicial", "party_gov", 1.0),
    UnitTemplate("{p}总工会", "{p}总工会", "{p}总工会", "mass", "party_gov", 0.4),
    UnitTemplate("共青团{p}委员会", "共青团{p}委员会", None, "mass", "party_gov", 0.3),
    UnitTemplate("{p}妇女联合会", "{p}妇女联合会", None, "mass", "party_gov", 0.3),
]

PUBLIC_INSTITUTIONS = [
    UnitTemplate("{p}人民医院", "{p}第一人民医院", "{p}人民医院", "hospital", "public_inst", 0.6, "cx"),
    UnitTemplate("{p}中医院", "{p}中医院", "{p}中医院", "hospital", "public_inst", 0.5, "c"),
    UnitTemplate(None, "{p}妇幼保健院", None, "hospital", "public_inst", 0.3),
    UnitTemplate(None, "{p}第一中学", "{p}第一中学", "school", "public_inst", 0.3, "c", 1),
    UnitTemplate(None, "{p}实验中学", "{p}实验小学", "school", "public_inst", 0.25, "", 1),
    UnitTemplate(None, "{p}职业技术学校", None, "school", "public_inst", 0.25, "", 1),
    UnitTemplate("{p}公共资源交易中心", "{p}公共资源交易中心", None, "centre", "public_inst", 0.3, "c", 1),
    UnitTemplate("{p}广播电视台", "{p}广播电视台", "{p}融媒体中心", "centre", "public_inst", 0.4, "", 1),
    UnitTemplate("{p}图书馆", "{p}图书馆", None, "centre", "public_inst", 0.2, "", 1),
]

UNIVERSITIES = [
    UnitTemplate("江东大学", "{c}大学", None, "university", "university", 2.5, "c"),
    UnitTemplate("江东师范大学", "{c}职业技术学院", None, "university", "university", 1.5),
    UnitTemplate("江东理工大学", None, None, "university", "university", 1.5),
]

ENTERPRISES = [
    UnitTemplate("{p}交通投资集团有限公司", "{p}城市建设投资集团有限公司", "{p}城市建设投资有限公司",
                 "enterprise", "enterprise", 0.9, "c",
                 subs=(UnitTemplate("{p}交投高速公路运营有限公司", "{p}城投置业有限公司", None,
                                    "enterprise", "enterprise", 0.4, "", 1),)),
    UnitTemplate("{p}能源集团有限公司", "{p}交通投资集团有限公司", "{p}国有资产投资经营有限公司",
                 "enterprise", "enterprise", 0.8, "c"),
    UnitTemplate("{p}国有资本运营有限公司", "{p}水务集团有限公司", None, "enterprise", "enterprise", 0.6),
    UnitTemplate("{p}机场集团有限公司", "{p}港务集团有限公司", None, "enterprise", "enterprise", 0.6),
    UnitTemplate("{p}旅游集团有限公司", "{p}文化旅游发展集团有限公司", None, "enterprise", "enterprise", 0.5),
]

TOWNSHIP_WEIGHT = 1.0

UNIT_CATALOGUE = LEADERSHIP + DEPARTMENTS + PUBLIC_INSTITUTIONS + UNIVERSITIES + ENTERPRISES

# Leadership bodies' fixed posts per level: (title pattern, count). {s} is the
# last character of the region's name (省/市/县/区) — 市委书记, 县长, 区长...
LEADERSHIP_POSTS = {
    "committee": [("{s}委书记", 1), ("{s}委副书记", 2), ("{s}委常委", 4)],
    "government": [("{s}长", 1), ("常务副{s}长", 1), ("副{s}长", 4)],
    "congress": [("人大常委会主任", 1), ("人大常委会副主任", 2)],
    "cppcc": [("政协主席", 1), ("政协副主席", 2)],
}
LEADERSHIP_POSTS_COUNTY = {
    "committee": [("{s}委书记", 1), ("{s}委副书记", 1), ("{s}委常委", 3)],
    "government": [("{s}长", 1), ("常务副{s}长", 1), ("副{s}长", 3)],
    "congress": [("人大常委会主任", 1), ("人大常委会副主任", 2)],
    "cppcc": [("政协主席", 1), ("政协副主席", 2)],
}
