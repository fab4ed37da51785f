"""Urgent cases: harm to body or safety, and threats to go to a regulator, the media or court.

A harm cue counts unless it is negated or hypothetical close before it ("没有拉肚子", "怕拉肚子没吃", "快吐了")
or it sits inside a harmless phrase that merely contains it ("打不着火", "报警灯", "曝光过度", "差到爆炸").
Threats are patterns, not bare words: "媒体" in "媒体功能" or "曝光" in a news headline threaten nobody, "找媒体曝光"
does. Colloquial forms are listed with the formal ones (拉肚子, 上吐下泻, 吐了, 进医院). Hazards and injuries count
wherever they are told; an illness only near something eaten, drunk or used ("喝了…拉肚子", "用完头上冒出痘痘"),
so a personal post about a cold or a hospital visit is not a case. A brand's own critical words come from config
and count like hazards. Text is read in simplified script ("房間有蝨咬" as "房间有虱咬"), positions kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from index.text import normalize
from sentiment.features import to_simplified
from tickets.understanding.features import CHAR_ORDERS, grams
from tickets.understanding.firstchars import FirstChars
from tickets.understanding.folding import fold

_HAN = re.compile(r"[\u4e00-\u9fff]+")
#: Traditional variants of the detector's characters that the sentiment side's table (snownlp's ``zh2hans``) lacks:
#: "房间有蝨咬" is read as "房间有虱咬".
_TRADITIONAL_EXTRA, _SIMPLIFIED_EXTRA = "蝨脣牀喫紮", "虱唇床吃扎"
_T2S_EXTRA = str.maketrans(_TRADITIONAL_EXTRA, _SIMPLIFIED_EXTRA)
# One scan for the table's few characters: ``str.translate`` looks up every character of the text (a few
# microseconds a text) and hardly any text holds one; without one, translating gives the text as it is.
_EXTRA_TRADITIONAL = re.compile(f"[{_TRADITIONAL_EXTRA}]")


def simplified(folded: str) -> str:
    """A normalised text in simplified characters, one for one (positions kept), so the cues match either script."""
    text = to_simplified(folded)
    return text.translate(_T2S_EXTRA) if _EXTRA_TRADITIONAL.search(text) else text


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


#: A hazard: fire, explosion, electricity, gas, blocked escape routes, sharp debris — urgent wherever it is told.
HAZARD_CUES = _words(
    """
    起火 着火 失火 火灾 爆炸 炸了 自燃 冒烟 冒火 烧焦 烧黑 烧起来 鼓包 漏电 触电 电到 电了一下 麻手 酥麻 漏气
    电击 冒火花 打火花 煤气味 安全隐患 消防通道 消防门 安全出口 逃生通道 灭火器 玻璃渣 玻璃碴 玻璃碎片 刀片 爆燃
    刹车失灵 刹不住 电梯下坠 电梯坠落 困在电梯 被困电梯 电梯困人 烧坏 烧毁 短路 甲醛超标 甲醛含量超标
    """
)
#: An injury to the body: urgent wherever it is told (no product needs naming: the injury is the case).
INJURY_CUES = _words(
    """
    受伤 烫伤 烫到 烧伤 灼伤 割伤 划破手 扎伤 流血 骨折 摔伤 砸伤 砸到 咬伤 叮咬 咬了一身 咬了好几 咬了十几
    咬醒 满身疙瘩 身上满是疙瘩 一身包 窒息 噎住 夹伤 夹到手 打人 动手打 殴打 打伤 体罚 嘴唇划破
    """
)
#: Illness: urgent when it follows eating, drinking or using something (a "link" close by), since the same words
#: fill personal posts about a cold or a hospital visit that no product or service caused.
ILLNESS_CUES = _words(
    """
    中毒 食物中毒 拉肚子 啦肚子 拉稀 腹泻 闹肚子 上吐下泻 呕吐 吐了 想吐 肚子疼 肚子痛 胃疼 胃痛 腹痛 肠胃炎 肠胃不适
    胃部不适 身体不适 过敏 起疹子 红疹 皮疹 疹子 红肿 流脓 烂脸 毁容 发烧 洗胃 嘴发麻 舌头发麻 头晕 长痘 起痘 冒痘
    痘痘 满头包 起疙瘩 红疙瘩 跑厕所 蹲厕所 昏迷 休克 死亡 身亡 住院 急诊 送医 就医 看医生 进医院 去医院 上医院
    去了医院 医院检查 医院看 挂水 输液 打点滴 吐奶 起了疙瘩 都起疙瘩 很多疙瘩 好多疙瘩 一身疙瘩 全是疙瘩
    坏肚子
    """
)
#: Illness told in a verb-complement form: "拉了肚子", "拉两天肚子", "拉了一下午肚子", "拉了一晚上" (a duration after
#: "拉了", but not a load hauled: "拉了一天货"). Linked to something eaten or used like the illness words.
ILLNESS_PATTERNS: tuple[str, ...] = (
    r"拉(了)?(一|两|三|四|几|好几|半|整)?(个)?(晚上|夜|天|下午|上午|早上|整天|宿|次|回|星期|礼拜)?(的)?肚子",
    r"拉了(一|两|三|四|几|好几|半|整)(个)?(晚上|夜|天|下午|上午|早上|整天|宿|星期|礼拜)(?![的车货客人])",
    # Skin burning or itching with marks after use: "用完头皮痒，火辣辣的痒", "用了头痒还是疙瘩" (a bare itch after a
    # wash is no reaction: "洗完头有点痒").
    # (Eyes "不舒服" after use are mostly a screen's glare: "用一会眼睛就不舒服".)
    r"(火辣辣|灼热|灼烧|刺痛)(的|地)?(痒|疼|痛)|痒.{0,4}(疙瘩|红点|红疹|起包|肿)",
)
#: Diarrhoea and vomiting told as what happened a few hours later ("下午拉肚子了", "当天凌晨4点上吐下泻"): the onset
#: after a meal is how a review tells food poisoning, so no food needs naming. ("今天拉肚子" of a personal post has no
#: onset: it stays linked.)
ONSET = re.compile(
    r"(下午|晚上|半夜|夜里|凌晨|当晚|当天|第二天|次日|隔天)[^,，。.!！?？;；\s]{0,4}(就|又|开始|都|还)?$"
)
ONSET_CUES = frozenset({"拉肚子", "啦肚子", "拉稀", "腹泻", "闹肚子", "上吐下泻", "坏肚子"})
#: A body part unwell after eating ("吃完嘴唇难受", "胃里难受了半天"): needs the eating, like "不舒服".
INGESTED_PATTERN = (
    r"(肚子|肠胃|胃|肚|嘴唇|嘴巴|嘴|喉咙|嗓子|舌头)(里|上)?(有点|很|好|特别|一直|就|都|也|开始)*(难受|不舒服)"
)

#: "不舒服" alone is said of tight clothes and tired eyes, and a stomach "难受" of hunger or a headache: an illness
#: only after eating or drinking ("吃了一个肚子难受了一下午").
INGESTED_ONLY = frozenset({"不舒服"})
#: Illness told with its cause in the same breath ("害得两个人都感冒") or a near miss ("差点被砸"): no link needed.
CAUSED_PATTERNS: tuple[str, ...] = (
    r"(害|弄|搞|冻)得.{0,6}(感冒|发烧|生病)|冻感冒",
    r"(熏|呛)(得|的).{0,4}(头疼|头痛|头晕|恶心|想吐|流泪|咳嗽)",
    r"(空调|暖气|房间|被子).{0,16}(?P<harm>感冒|受凉|着凉|冻病)",
    r"(弄|划|割|扎|刮)(出|破)(了)?血",
    # Burnt by electricity ("把我SIM卡烧了"), not food burnt in the pan ("把饭烧焦了").
    r"把.{0,10}(卡|充电器|充电头|插座|插头|电脑|主板|电路|电线|适配器|手机|电池|电器).{0,2}烧(了|坏|毁)",
    r"(划|割)(破|伤)(了)?(手|嘴|嘴唇|脸|皮|脚|手指)|把(手|嘴|嘴唇|脸|手指|脚).{0,3}(划|割)(破|伤)",
    # ... or the body part first: "嘴都划破了", "手指被割伤" ("手机划伤" is a phone: 机 is no such word).
    r"(手指|手掌|手|嘴唇|嘴巴|嘴|舌头|牙龈|脸|脚)(都|也|直接|被|给)*(划|割|扎|刮)(破|伤)",
    r"差点(儿)?(被)?(砸|烫|电|烧|摔|扎|割|噎|呛|撞|夹|压|掉下|掉进|跌|滑倒|淹|吞|咽)",
    r"被(蚊子|虫子?|跳蚤|臭虫|螨虫|虱子?|狗|猫)?(叮)?咬(了|伤|得|出)",
    # A pest on a body (a child's head, the skin), not one merely seen on a towel or a wall.
    r"(身上|皮肤|头上|头发|孩子|宝宝|小孩|儿子|女儿)(上|里)?(有|长了?|爬满?了?|发现)?.{0,2}(?P<harm>螨虫|跳蚤|臭虫|虱)",
    # Harm laid on a doctor or a hospital: "庸医…杀人凶手", "医疗事故".
    # (A killer in a hospital drama, a virus a doctor says can kill, blame nobody.)
    r"医疗事故|(庸医|黑医|黑心医院|无良医院|无良医生).{0,24}(?P<harm>杀人|害死|治死|医死|凶手|致死|致残)",
    r"(医院|医生|大夫|护士).{0,12}(?P<harm>治死|医死|害死)",
    # Bites told without "被": the biter, then the bite and its marks ("床上有虫咬得全身包", "蚊子咬死人"); a bite
    # the writer took of the food ("咬一口") names no biter.
    r"(虫子?|蚊子|跳蚤|臭虫|螨虫?|虱|蚂蚁|蜘蛛)(子)?.{0,6}(?P<harm>(叮|咬)(得|了|死|出|伤|醒|人|[,，。.!！;；]|$))",
    # The marks need a body or a number before them: "咬了两口包子" is a meal.
    r"(叮|咬)(得|了)(我)?.{0,3}(一身|全身|满身|浑身|一脸|满脸|脸上|身上|腿上|手上|一腿|满腿|好多|很多|一堆|好几个)的?"
    r"(包(?!子)|疙瘩|红点|红疹)|(叮|咬)出(了)?(好多|很多|一堆)?(包(?!子)|疙瘩|红点|红疹|血)",
    # Itching where insects were seen (a bed, a room): bites told without the word "咬".
    # A bare "痒!" counts too ("螨虫很多！痒！"), as found words no longer make a pest a case by themselves.
    r"(虫|跳蚤|螨|臭虫|蚊子).{0,20}(?P<harm>很痒|好痒|发痒|瘙痒|痒痒|痒死|特别痒|非常痒|痒(?=[!！。.~～]|$))",
    # ... or after a night in the bed: "睡了一晚浑身奇痒" (a scalp itching after a wash is no case).
    r"(睡了|睡一晚|睡一夜|睡到|睡醒|床上).{0,12}(?P<harm>奇痒|很痒|好痒|发痒|瘙痒|痒得|痒死|浑身痒|全身痒)",
    # ... or from the bedding itself: "被子盖着很痒", "床单睡了起疹子" (a hotel's bedding, not a scalp after a wash).
    r"(被子|被套|床单|床品|枕头|枕套|枕巾|床垫|毛毯|褥子)(盖|睡|用|躺|贴)?.{0,8}"
    r"(?P<harm>奇痒|很痒|好痒|发痒|瘙痒|痒得|痒死|浑身痒|全身痒|过敏|起疹|红疹|起包|疙瘩)",
    # A foreign body in the food, caught in the throat or cutting the mouth: "塑料碎片卡在嗓子眼".
    r"(碎片|异物|玻璃|铁丝|钢丝|塑料|鱼刺|骨头|钉子|铁片|刀片|石子|沙子).{0,8}(?P<harm>卡在|卡住|卡到|扎到|扎进|划破)"
    r"(了)?(我的?)?(嗓子|喉咙|喉|嘴|舌头|牙)",
)
#: What links an illness to something consumed or used: eating and drinking, food itself, using a product or a
#: room. The link is looked for before the cue (``LINK_BEFORE`` characters) or just after it ("拉肚子，就是因为…喝").
INGEST = r"吃|喝|食|饮|服用|尝|不新鲜|变质|过期|馊|外卖|饭|菜|餐|粥|汤|奶|肉|水果|零食|饮料"
USE = (
    r"接触|染发|烫发|做完|打完|服用了|用了|用完|用后|用过|使用|洗了|洗完"
    r"|洗后|洗发|洗头|涂|抹|擦了|穿了|穿上|穿后|戴了|入住|住了|房间|床上|床单|被子|枕头|空调|暖气"
)
#: "不舒服" needs the eating itself, told before it ("吃了肚子不舒服"; not "不好吃…嚼着不舒服").
#: "…就/后" in the same clause: "中饭也没好好吃。越到后面…" ate nothing that came before the pain.
ATE = r"(吃|喝)(了|完|后|过|下)|(吃|喝)[^,，。.!！?？;；\s]{0,4}(就|后)|(食用|服用|饮用)后?"
#: A stomach or a mouth unwell after food told undercooked or spoiled: it was eaten ("全是韭菜，还不熟，胃里难受了
#: 半天"); bare "不舒服" needs the eating itself ("苹果很不新鲜…嚼的很不舒服" is about chewing).
SPOILT = r"不熟|没熟|夹生|半生|不新鲜|变质|馊"
LINK_BEFORE, LINK_AFTER = 40, 20
#: A cause blamed just after the illness ("胃难受···被蒙牛这黑心的害了"), or the product sworn off for it
#: ("胃不舒服，纯失眠，我以后都不敢买蒙牛的酸奶了").
BLAMED = r"被.{0,10}害(了|的|得|成)"
SWORN_OFF = r"(不敢|再也不|再不|不会再)(买|吃|喝|点|用)"
#: A harm asked about as what someone would cause, not told: "是要让我家人吃坏肚子吗？" ("难道过敏了吗" still
#: tells a reaction the writer suspects). The cause is looked for in the cue's clause, the question right after it.
ASKED = re.compile(r"[^,，。.!！;；]{0,4}(吗|么)")
CAUSATIVE = re.compile(r"让|使|害得")
#: Threats to take the case outside: regulator, consumer association, media, court, police.
THREAT_PATTERNS: tuple[str, ...] = (
    r"(?<!\d)(12315|12345|12331|12365)(?!\d)",  # consumer, city, food and drug, quality hotlines
    r"(?<![a-z\d.])3[.·]?15(?![\d元块])",
    r"三一五",
    r"消协|消费者协会|消费者服务热线|工商局|市场监管|监管局|银保监|金融监管|黑猫投诉|食药监|药监局|质监局|卫生局"
    r"|卫健委|卫生健康委|民航局|交通局|运管|通管局|工信部|证监会|住建局|教育局|质检总局|质检局|食药局|消费者热线",
    r"工商(部门|所|局)?.{0,3}(投诉|举报|反映)|(投诉|举报|反映)(到|去|给)?.{0,3}工商|(找|去|到|向)工商",
    r"@\S{0,12}(曝光|新闻|(?<!自)媒体|电视台|晚报|日报|都市报|头条)(?!客户端)",
    r"(要|去|会|就|已|已经|马上)(去)?举报|上新闻",
    r"(找|向|去|到|给)(当地)?(相关|有关|政府|主管|监管)部门|(相关|有关|主管|监管)部门(投诉|举报|反映)",
    # A complaint lodged with an authority: "已投诉主管部门", "举报到监管部门".
    r"(投诉|举报|反映)(到|给|至|了)?(当地)?(的)?(相关|有关|政府|主管|监管|执法)部门",
    r"(找|联系|告诉|叫|向|请|寻求|求助)(了)?(新闻)?(媒体|记者|电视台|报社)",
    # A post addressed to a regulator's account: "@北京东城工商", "@12315", "@中国消费者协会".
    r"@\S{0,12}(工商|市场监管|消协|消费者协会|12315(?!\d)|质监|食药监|药监|监管局)",
    r"(媒体|网上|网络|微博|抖音).{0,4}曝光|曝光(你们|他们|这家|此事|出来|到网上)",
    r"(要|去|就|会|帮忙|让大家)曝光",
    r"起诉|告你们|告上法庭|上法院|法院见|打官司|(找|请|聘|联系|咨询|委托)(了)?(专业)?律师|律师(函|咨询)|法律途径",
    r"(我|要|就|已|已经|去|会|想|马上|也|还|只好|只能|直接)(经)?报(警|案)|报警处理|报案",
    # One's own claim, not one made for someone else ("帮你维权"), others' ("所谓的维权") or a future one
    # ("留证据，以便维权").
    r"(?<!帮你)(?<!帮他)(?<!帮她)(?<!所谓)(?<!所谓的)(?<!以便)(?<!便于)维权",
)
#: Phrases that contain a cue and mean no harm; a cue inside one of these does not count.
HARMLESS = _words(
    """
    打不着火 点不着火 打着火 着火点 憋着火 着火炬 火大 报警灯 报警器 报警声 报警提示 报警音 故障报警 缺水报警 自动报警
    曝光过度 曝光不足 曝光补偿 曝光时间 自动曝光 心情爆炸 到爆炸 差到爆 要爆炸了 爆炸好 爆炸盒 易爆炸 炸鸡 炸酱
    炸串 油炸 炸了毛 气炸 得都炸 气的冒烟 气得冒烟 都要冒烟 七窍生烟 很受伤 心受伤 受伤的 又一次受伤 受伤状态
    容易中毒 电脑中毒 系统中毒 中病毒 不过敏 防过敏 抗过敏 过敏肌 敏感肌 吐槽 吐司 吐字 维权成功 充电到 放电到
    发烧级 发烧友 咬了一口 咬一口 老鼠咬 烫伤膏 烧伤膏 原地爆炸 打人工 令人窒息 让人窒息 轰炸 发烫到 烫到手不敢
    炸了它 妈炸 呕吐物 过敏期 过敏季 过敏体质 爆炸案 跳蚤市场
    """
)
#: Harmless by pattern, each with a character it needs (absent, the pattern is not run: most texts hold none):
#: spitting out a bad bite ("刚咬一口，就吐了") is disgust; hunger pains are no poisoning.
HARMLESS_PATTERNS: tuple[tuple[str, str], ...] = (
    ("吐", r"一口.{0,6}吐"),
    ("饿", r"饿.{0,4}(胃疼|胃痛|难受|不舒服)"),
    ("饿", r"(胃疼|胃痛).{0,4}饿"),
    # "电到" inside a compound: 家电到, 节电到 (no electric shock).
    ("电到", r"(家|节|省|用|来|停|断|通|放|充)电到"),
    # "着" before a 火 compound: 围着火炉, 吃着火锅.
    ("着火", r"着火(炉|锅|车|腿|柴|把|光|苗|红)"),
    # "炸" as an intensifier after an adjective: 卡炸了, 美炸了, 气炸了.
    ("炸", r"(卡|美|帅|酷|萌|爽|甜|嗨|燃|丑|笑|气|火|好看|可爱|漂亮)炸(了|啦)"),
    # A screen or a glass "炸了" is cracked, logistics "炸了" overloaded, trousers "长炸了" far too long.
    ("炸", r"(屏|屏幕|玻璃|钢化膜|物流|快递|服务器|网络|长|短|大|小)(就|都|直接|也|又|全)?炸(了|啦|裂)"),
    # "冒火" of anger: 太冒火了, 冒火的情绪 (a socket "冒火了" stays a hazard).
    ("冒火", r"(太|好|很|真|超|都|气|要|真的是太)冒火|冒火的情绪"),
    # Food so bad it "makes one want to throw up" is disgust; hunger makes one dizzy.
    ("吐", r"(吃|看|难吃)(的|得)(我)?想吐"),
    ("晕", r"饿.{0,6}头晕"),
    # Overeating, not poisoning: "吃得真的想吐", "吃撑了想吐".
    ("吐", r"(吃|喝)(得|的)(我)?(真的|都|太|好|快|有点)?(想吐|要吐)"),
    ("吐", r"(吃撑|撑着|撑得|撑的|吃太多|吃多了|吃太饱|吃得太多|喝太多|喝多了).{0,6}(想吐|要吐|吐了)"),
    # A stomach that forbids a food is the reason for an order, not harm from it: "胃疼不能吃辣".
    ("胃", r"(胃疼|胃痛|胃不好|肠胃不好|胃病)(不能|不敢|不宜|不可以)(吃|喝)"),
    # A mood "exploding": "心态爆炸", "让我瞬间爆炸" (a phone exploding in one's hand is told of the phone).
    ("爆炸", r"(心态|心情|情绪|脑子|大脑|脑袋|我)(瞬间|直接|彻底|都|要|快|已经|简直)?爆炸"),
    # Fruit or a parcel bruised in transit: "好几个摔伤了" (a child "摔伤" stays an injury).
    (
        "伤",
        r"(果|苹果|梨|桃|橙|柚|瓜|蕉|箱|盒|包装|东西|货|几个|两个|三个)(都|也|有|就|已经|全|有些|有的)?(摔|碰|压|磕)伤",
    ),
    # Heat as a degree, not a burn: "烫到你想丢掉".
    ("烫到", r"烫到(你|人|我)?(都)?(想|不敢|没法|无法|不能|受不了)"),
    # A bubble under a film or paint: "白边出现鼓包" (a battery "鼓包" stays a hazard).
    ("鼓包", r"(边|膜|屏|墙|漆|纸)(出现|有|起)?(了)?鼓包"),
    # A screen "烧坏" has failed; a charger or a board burnt is a hazard.
    ("烧坏", r"(屏|屏幕)(就|都|也|又|给)?烧坏"),
    # Food burnt in the pan is a cooking fault, not a fire.
    ("烧焦", r"(饭|菜|肉|鱼|饼|锅底|米饭|粥)(都|也|有点|有些|全)?烧焦"),
    # The 315 gala as a TV programme watched, not a complaint lodged there.
    ("15", r"看(了|过)?(央视)?3[.·]?15|3[.·]?15晚会"),
)
#: A harm cue right after one of these (same clause, a few characters) is negated, only feared or supposed.
NEGATIONS = _words(
    """
    没有 没 无 未 不是 并非 不会 不要 不用 不至于 别 免得 以免 怕 担心 害怕 会不会 万一 快 以为 绝对 估计 明天 要是
    如果 本想 本来想 原本想 不想
    """
)
#: Time phrases that hold a negation word but negate nothing: "刚吃上没多久就拉肚子了".
TIME_PHRASES = _words("没多久 没过多久 没一会 不一会 一会儿 一会 没几 不久")
#: Said of harm only, a future: "要吐了", "喝多了会中毒" (but "我要报警" is a threat all the same).
FEARED = ("要", "会")
#: "会" told of what happens each time, or of what the product does on contact, is no fear but a report:
#: "每次喝完都会拉肚子", "为什么喝了会拉肚子" (asks why it happens), "皮肤接触会过敏" ("喝多了会中毒" stays a fear).
#: Looked for in the cue's clause, up to ``HABIT_BEFORE`` characters before it.
HABITUAL = re.compile(
    r"每次|每回|一(吃|喝|用|洗|穿)就|都会|总会|总是|老是|经常|为什么|为啥|怎么会"
    r"|(接触|吃了|喝了|用了|穿了|洗了|涂了|抹了|戴了)(以?后)?就?会"
)
HABIT_BEFORE = 15
#: A fear governs its whole clause, however far before the harm: "担心孩子吃了拉两天肚子，没敢买" ("哪怕", "可怕"
#: and "恐怕" are no fear of it). Looked for up to ``HABIT_BEFORE`` characters before the cue.
FEAR_IN_CLAUSE = re.compile(r"(?<![哪可恐])怕|担心|万一|生怕|以免|免得")
#: A negation right before the cue, however short: "不起痘痘", "没过敏".
_IMMEDIATE = ("不", "没")


@dataclass(frozen=True)
class Urgency:
    """Whether a text is urgent, the words that made it so, and whether any is a threat or a hazard."""

    urgent: bool
    evidence: tuple[str, ...] = ()
    threat: bool = False
    hazard: bool = False


_NOT_URGENT = Urgency(False)


def _compile(words: Iterable[str]) -> list[tuple[str, str, re.Pattern[str]]]:
    """(word as given, word normalised, its pattern): the substring test spares a regex scan for absent words."""
    return [(word, normalize(word), re.compile(re.escape(normalize(word)))) for word in words]


_CHILD = re.compile(r"孩子|宝宝|小孩|儿子|女儿|婴儿|幼儿|小朋友|儿童")
_CLAUSE = re.compile(r"[,，。.!！?？;；\s]")


def _before(text: str, start: int, width: int = 5) -> str:
    """The ``width`` characters before ``start`` in the same clause, time phrases blanked out."""
    before = _CLAUSE.split(text[max(0, start - width) : start])[-1]
    if "没" in before or "不" in before or "会" in before:  # every time phrase holds one of these
        for phrase in TIME_PHRASES:
            before = before.replace(phrase, "□")
    return before


def _check_orders() -> int:
    """The top n-gram order, after checking that the model's orders are 1 to it: :meth:`UrgencyDetector.may_be_urgent`
    finds every Han cue and pattern key of the text by its n-grams, which must then hold every short Han run."""
    top = max(CHAR_ORDERS)
    if tuple(sorted(CHAR_ORDERS)) != tuple(range(1, top + 1)):
        raise ValueError(f"the urgent cues are looked up among n-grams of orders 1 to {top}, not {CHAR_ORDERS}")
    return top


class UrgencyDetector:
    """Finds urgent cues; ``extra`` adds a brand's critical words (counted like hazards: urgent wherever told)."""

    def __init__(self, extra: Sequence[str] = (), harmless: Sequence[str] = ()):
        self._hazard = _compile([*HAZARD_CUES, *extra])
        self._injury = _compile(INJURY_CUES)
        self._illness = _compile([*ILLNESS_CUES, *INGESTED_ONLY])
        self._illness_patterns = [re.compile(p) for p in ILLNESS_PATTERNS]
        self._ingested = re.compile(INGESTED_PATTERN)
        self._onset = ONSET
        self._caused = [re.compile(p) for p in CAUSED_PATTERNS]
        self._ate = re.compile(ATE)
        self._blamed = re.compile(BLAMED)
        self._sworn_off = re.compile(SWORN_OFF)
        self._spoilt = re.compile(SPOILT)
        self._use = re.compile(f"{INGEST}|{USE}")
        self._threats = [re.compile(p) for p in THREAT_PATTERNS]
        self._harmless = sorted({normalize(w) for w in (*HARMLESS, *harmless)}, key=len, reverse=True)
        self._harmless_patterns = [(key, re.compile(p)) for key, p in HARMLESS_PATTERNS]
        # What any urgent reading needs in the text as folded (blanking harmless phrases only removes matches):
        # a cue word — the short Han ones are among the text's n-grams, computed for the model anyway — or a
        # match of a cause or threat pattern. Most texts have none and are read no further.
        keys = [key for _, key, _ in (*self._hazard, *self._injury, *self._illness)]
        self._cue_grams = frozenset(k for k in keys if len(k) in CHAR_ORDERS and _HAN.fullmatch(k))
        # A longer Han word occurs only where its first n-gram of the top order does: looked up by that gram (the
        # text's n-grams hold every run of 1 to ``top`` Han characters in it, as :func:`_check_orders` makes sure).
        top = _check_orders()
        self._cue_long: dict[str, list[str]] = {}
        for key in dict.fromkeys(keys):
            if len(key) > top and _HAN.fullmatch(key):
                self._cue_long.setdefault(key[:top], []).append(key)
        long = {key for keys_ in self._cue_long.values() for key in keys_}
        self._cue_rest = tuple(dict.fromkeys(k for k in keys if k not in self._cue_grams and k not in long))
        # Searched one by one, not as one alternation: a pattern that starts with a literal or a set of literals
        # lets the regex engine skip to the places where it can start, which an alternation of them all does not
        # (the same texts pass, at 0.4 times the time: bench/ingest_stages.py).
        self._any_patterns = (
            tuple(self._caused) + tuple(self._threats) + tuple(self._illness_patterns) + (self._ingested,)
        )
        # And only those whose match can start with a character of the text (a quarter of the searches).
        self._any_index = FirstChars(self._any_patterns, top)
        # Every n-gram any of the checks below looks up: one pass over the text's grams (in C) finds them all.
        self._pieces = self._cue_grams.union(self._cue_long, self._any_index.by_piece)

    def may_be_urgent(self, folded: str) -> bool:
        """False when a normalised text holds no cue word and matches no cause or threat pattern: not urgent."""
        pieces = self._pieces.intersection(grams(folded))
        return (
            not self._cue_grams.isdisjoint(pieces)
            or any(key in folded for piece in self._cue_long.keys() & pieces for key in self._cue_long[piece])
            or any(map(folded.__contains__, self._cue_rest))
            or self._any_index.any_match_in(folded, pieces)
        )

    def masked(self, text: str) -> str:
        """``text`` (normalised) with the harmless phrases blanked out, positions kept, so no cue matches in them."""
        # Every phrase is found in the text as written, then all are blanked: blanking one phrase before looking
        # for the next made overlapping ones ("差到爆" / "到爆炸" in "差到爆炸了") depend on set order, i.e. on the
        # process's hash seed, and could leave "炸了" standing.
        blank = bytearray(len(text))
        for phrase in self._harmless:
            start = text.find(phrase)
            while start >= 0:
                blank[start : start + len(phrase)] = b"\x01" * len(phrase)
                start = text.find(phrase, start + 1)
        for key, pattern in self._harmless_patterns:
            if key not in text:
                continue
            for match in pattern.finditer(text):
                blank[match.start() : match.end()] = b"\x01" * (match.end() - match.start())
        if not any(blank):
            return text
        return "".join("□" if blank[i] else ch for i, ch in enumerate(text))

    @staticmethod
    def negated(text: str, start: int) -> bool:
        """Whether a negation or a mere fear governs the cue at ``start`` (same clause, a few characters)."""
        before = _before(text, start)
        return before.endswith(_IMMEDIATE) or any(neg in before for neg in NEGATIONS)

    def _harm_negated(self, text: str, start: int) -> bool:
        before = _before(text, start)
        if self.negated(text, start):
            return True
        if FEAR_IN_CLAUSE.search(_CLAUSE.split(text[max(0, start - HABIT_BEFORE) : start])[-1]):
            return True
        if not any(word in before for word in FEARED):
            return False
        clause = _CLAUSE.split(text[max(0, start - HABIT_BEFORE) : start])[-1]
        return not HABITUAL.search(clause)

    @staticmethod
    def _asked(text: str, start: int, end: int) -> bool:
        """Whether the cue at ``start:end`` is a harm someone would cause, asked about ("想让我拉肚子吗")."""
        return ASKED.match(text, end) is not None and CAUSATIVE.search(_before(text, start, 10)) is not None

    def _told(self, folded: str, pattern: re.Pattern[str]) -> bool:
        return any(not self._harm_negated(folded, m.start()) for m in pattern.finditer(folded))

    def _linked(self, folded: str, word: str, pattern: re.Pattern[str], ingested: bool = False) -> str | None:
        """An illness cue told (not negated) after something eaten, drunk or used, or just before naming it: the
        words told (``ingested``: the eating itself must be told before it, as for "不舒服")."""
        for m in pattern.finditer(folded):
            if self._harm_negated(folded, m.start()) or self._asked(folded, m.start(), m.end()):
                continue
            before = folded[max(0, m.start() - LINK_BEFORE) : m.start()]
            after = folded[m.end() : m.end() + LINK_AFTER]
            if self._blamed.search(after) or (word not in INGESTED_ONLY and self._sworn_off.search(after)):
                return m.group(0)
            if word in ONSET_CUES and self._onset.search(_before(folded, m.start(), 12)):
                return m.group(0)
            if ingested and self._spoilt.search(before):
                return m.group(0)
            if ingested or word in INGESTED_ONLY:
                if self._ate.search(before):
                    return m.group(0)
            elif self._use.search(before) or self._use.search(folded[m.end() : m.end() + LINK_AFTER]):
                return m.group(0)
        return None

    def detect(self, text: str) -> Urgency:
        folded = simplified(fold(text))
        if not self.may_be_urgent(folded):
            return _NOT_URGENT
        folded = self.masked(folded)
        hazards = [w for w, k, p in self._hazard if k in folded and self._told(folded, p)]
        found = [w for w, k, p in self._injury if k in folded and self._told(folded, p)]
        found += [w for w, k, p in self._illness if k in folded and self._linked(folded, w, p)]
        for pattern in self._illness_patterns:
            told = self._linked(folded, "拉肚子", pattern)  # told like 拉肚子: linked, or with its onset
            if told:
                found.append(told)
        told = self._linked(folded, "", self._ingested, ingested=True)
        if told:
            found.append(told)
        for pattern in self._caused:
            # Matches may overlap: "没有暖气，空调只吹冷风…受凉" is told again from "空调" once "没有暖气" is negated.
            pos = 0
            while (match := pattern.search(folded, pos)) is not None:
                pos = match.start() + 1
                # A pattern that names its cause first checks the negation at the harm too: "床单睡了也没有起红疹".
                if self._harm_negated(folded, match.start()):
                    continue
                if "harm" not in pattern.groupindex or not self._harm_negated(folded, match.start("harm")):
                    found.append(match.group(0))
                    break
        threats = []
        for pattern in self._threats:
            for match in pattern.finditer(folded):
                if not self.negated(folded, match.start()):
                    threats.append(match.group(0))
                    break
        evidence = tuple(dict.fromkeys([*hazards, *found, *threats]))
        # A child harmed is treated like a hazard: urgent wherever it is told.
        child = bool(found) and bool(_CHILD.search(folded))
        return Urgency(bool(evidence), evidence, bool(threats), bool(hazards) or child)
