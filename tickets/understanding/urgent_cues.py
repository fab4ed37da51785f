"""The words and patterns the urgent rules read (:mod:`.urgency` applies them): hazards, injuries, illnesses and
what links an illness to something eaten or used, threats to take the case outside, and the harmless phrases,
negations and fears that make a cue no case. Data only: adding a form here is how the rules learn it (with a case,
a harmless look-alike and a negated form in ``tests/tickets/understanding/test_urgency.py``).
"""

from __future__ import annotations

import re


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


#: A hazard: fire, explosion, electricity, gas, blocked escape routes, sharp debris — urgent wherever it is told.
HAZARD_CUES = _words(
    """
    起火 着火 失火 火灾 爆炸 炸了 自燃 冒烟 冒火 烧焦 烧黑 烧起来 鼓包 漏电 触电 电到 电了一下 麻手 酥麻 漏气
    电击 冒火花 打火花 煤气味 安全隐患 消防通道 消防门 安全出口 逃生通道 灭火器 玻璃渣 玻璃碴 玻璃碎片 刀片 爆燃
    刹车失灵 刹不住 电梯下坠 电梯坠落 困在电梯 被困电梯 电梯困人 烧坏 烧毁 短路 甲醛超标 甲醛含量超标
    冒黑烟 冒白烟 冒青烟 一氧化碳中毒 煤气中毒
    """
)
#: Hazards told in a form no single word covers, from industries the labelled reviews barely hold (appliances, gas,
#: cars, lifts, chemicals): a device that caught fire or burst, gas escaping, a safety system that failed, a banned
#: substance found. Urgent wherever told, like :data:`HAZARD_CUES`.
_DEVICES = (
    r"电热毯|插座|插线板|排插|插头|电线|充电器|充电头|充电宝|移动电源|电池|电瓶|电动车|电器|电机|电源|主机|电饭煲"
    r"|电饭锅|电水壶|热水壶|热水器|吹风机|电吹风|取暖器|暖风机|小太阳|油汀|微波炉|烤箱|空调|冰箱|洗衣机|手机|平板"
    r"|笔记本|电脑|台灯|灯泡|变压器|适配器|电磁炉|高压锅|压力锅"
)
HAZARD_PATTERNS: tuple[str, ...] = (
    # "电热毯着了", "充电宝自己爆了", "手机充电的时候突然爆了" ("睡着了", "流量爆了" name no device or no charging).
    rf"({_DEVICES})(在|就|都|又|突然|直接|自己|竟然|居然)*(?P<harm>着了|爆了|燃起来|烧着了)",
    r"(充电|充着电)(的)?(时候|时|中)?.{0,4}(突然|直接|自己)(?P<harm>着了|爆了|炸了|起火|冒烟)",
    r"(天然气|燃气|煤气|液化气|瓦斯|化学品|有毒气体|毒气|氨气|氯气)(管道?|罐|灶|阀门?|表)?.{0,3}"
    r"(?P<harm>泄漏|泄露|外泄|漏了)",
    # Told dangerous in so many words, at the end of a clause ("玻璃栈道有裂缝，非常危险"; not "危险的关系").
    r"(非常|很|太|特别|十分|极其|相当|极度)(?P<harm>危险)(了|啊)?(?=[,.!?;。，！？~]|$)",
    r"(方向盘|转向|刹车|制动|油门|安全带|电梯|扶梯|缆车|索道)(突然|直接|完全|彻底|也|都|又)*"
    r"(?P<harm>失灵|失效|卡死|失控|下坠|坠落|急坠)",
    r"(安全)?气囊.{0,4}(没|未|不)(有)?(弹|打开|爆开)",
    r"电梯.{0,10}(?P<harm>困住|被困|困在|关在)",
    # Something that bursts under pressure or heat ("暖气片爆裂", "杯子炸裂"; a screen or a film cracking is masked;
    # a burst water pipe floods a room but harms nobody).
    r"(暖气片?|内胆|高压锅|压力锅|锅盖|杯子?|瓶子?|轮胎|车胎|热水瓶|暖瓶)(突然|直接|自己|就)?(?P<harm>爆裂|炸裂|爆开|炸开)",
    # A banned or harmful substance over its limit or found at all ("铅超标", "检出激素").
    r"(甲醛|铅|重金属|苯|激素|荧光剂|农药|大肠杆菌|菌落总数|致癌物?|塑化剂|汞|砷|镉|亚硝酸盐|黄曲霉素?)(检测|含量)?(严重)?超标"
    r"|检(测|验)?出(了)?.{0,6}(激素|重金属|铅|致癌|农药|塑化剂|大肠杆菌|黄曲霉|亚硝酸盐|甲醛|荧光剂|汞|镉)",
)
#: An injury to the body: urgent wherever it is told (no product needs naming: the injury is the case).
INJURY_CUES = _words(
    """
    受伤 烫伤 烫到 烧伤 灼伤 割伤 划破手 扎伤 流血 骨折 摔伤 砸伤 砸到 咬伤 叮咬 咬了一身 咬了好几 咬了十几
    咬醒 满身疙瘩 身上满是疙瘩 一身包 窒息 噎住 夹伤 夹到手 打人 动手打 殴打 打伤 体罚 嘴唇划破
    重伤 炸伤 出人命 误吞 误食 噎着 卡喉 重症监护 起水泡 烫起泡 烫出泡 烫出水泡 溺亡 烫晕 动手推 推搡
    打孩子 打学生 整容失败 手术失败 医美事故
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
    坏肚子 发高烧 高烧 化脓 伤口感染 细菌感染 感染化脓 感染发炎 引起感染 导致感染 一直吐 狂吐 留疤
    心慌 心悸 抽搐 痉挛 喉咙肿 嗓子肿 流鼻血 便血 横纹肌溶解
    摔倒 摔了一跤 跌倒
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
    # A pet harmed by what it ate ("狗粮吃了以后狗死了"; "那只猫死了" of a story is no case).
    r"(狗狗?|猫咪?|宠物)(就|都|也|直接|竟然)?(死了|死掉|中毒|吐血|抽搐)",
    # Blisters in the mouth or on the skin after use: "宝宝用了这个奶瓶，嘴里起了好多泡".
    r"(嘴|嘴里|口腔|嘴唇|舌头|皮肤|脸|手|脚)(上|里)?(起|长)(了)?(好多|很多|一堆|一片|满)?(水)?泡",
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

#: "不舒服" alone is said of tight clothes and tired eyes, and a stomach "难受" of hunger or a headache, "晕倒" of
#: exasperation ("等了一小时，差点晕倒"): an illness only after eating or drinking ("吃了一个肚子难受了一下午").
INGESTED_ONLY = frozenset({"不舒服", "晕倒", "昏倒", "晕厥"})
#: Illness told with its cause in the same breath ("害得两个人都感冒") or a near miss ("差点被砸"): no link needed.
CAUSED_PATTERNS: tuple[str, ...] = (
    r"(害|弄|搞|冻)得.{0,6}(感冒|发烧|生病)|冻感冒",
    # Harm done to a body part, told with the part: "手被炸伤", "头皮烫起泡", "把孩子的手夹了", "把手指弄感染了".
    r"(手|手指|手掌|手臂|胳膊|脚|脚趾|腿|膝盖|腰|后背|头|头皮|额头|脸|眼睛|嘴唇|牙齿|皮肤|脖子)(被|给|都|也|直接|又)?"
    r"(夹|烫|烧|炸|砸|割|划|扎|撞|摔|磕|刺|电)(伤|破|肿|出血|起泡|出泡|断|骨折)",
    r"把.{0,6}(手|手指|脚|腿|头|头皮|脸|眼睛|胳膊)(给)?(夹|烫|烧|炸|砸|割|划|撞|电)(了|伤|破|肿|出血|起泡)",
    r"把.{0,8}弄(感染|伤|破|出血|骨折|发炎|化脓)|(弄|搞|害)得?.{0,4}(感染|化脓|发炎)",
    # A child that swallowed a part ("小零件被孩子吞了", "孩子把纽扣电池吞了"; not food: "宝宝一口就吞了").
    r"(孩子|宝宝|小孩|儿子|女儿|婴儿|幼儿|小朋友|儿童)(把|误)?.{0,8}"
    r"(零件|部件|螺丝|纽扣|电池|磁铁|磁珠|珠子|小球|碎片|配件|钉子|硬币|弹簧|异物|玻璃|塑料|干燥剂)(给)?(吞|咽)"
    r"|被(孩子|宝宝|小孩|儿子|女儿|小朋友)(误)?(吞|咽)",
    # Skin, a wound or the mouth ulcerating ("红屁股溃烂"; fruit "溃烂" is spoilt, not harm).
    r"(皮肤|伤口|屁股|脸|嘴|口腔|头皮|手|脚)(上)?(都|已经|开始|有点|红肿)*溃烂",
    # Rushed to emergency care ("送医院抢救"; saving the wet goods "抢救那些" is no case).
    r"(送|被送|送去|送到|送往|进了?医院|医院|急诊)(了)?.{0,6}抢救|抢救(室|无效|过来|了)",
    # A wound stitched, a nail torn off, a tooth broken ("见缝插针" is an idiom; "硬到可以把牙硌掉", a boast).
    r"缝了.{0,3}针|缝(了)?([一二两三四五六七八九十几]|\d+)针|缝针|指甲.{0,3}(掉了|脱落|翻起)"
    r"|(?<!把)(牙|牙齿)(被|给)?(崩|磕|硌)(掉|断|坏|裂|碎)|(?<!可以)(?<!能)把(牙|牙齿)(给)?(崩|磕|硌)(掉|断|坏|裂|碎)",
    r"(牙龈|鼻子|嘴|伤口)(都|被|给)?(刷|磕|划|割)?(出血|流血)|刷出血",
    r"(夹|压|卡)(了|住|到)(孩子的?|宝宝的?|我的?|老人的?)?(手指|手|腿|脚|头)|(手|腿|脚|胳膊|身上)(上)?.{0,5}(淤青|瘀青)",
    # A child or an old person dropped or hurt by staff ("护士把宝宝摔了"), a cut told as a gash ("划了一道口子").
    r"把(宝宝|孩子|小孩|婴儿|老人)(给)?(摔|烫|砸|撞|夹|弄伤|碰伤)",
    r"(划|割)(了|开|出)?(一道|个|道|一个)?(大)?口子",
    # Dizzy or sick after breathing something in: "闻了头晕".
    r"闻(了|完)(以后|之后|后)?.{0,4}(?P<harm>头晕|头疼|头痛|恶心|想吐|呕吐)",
    r"(老鼠|狗|猫|蛇|虫子?|蚊子|跳蚤|臭虫|螨虫).{0,6}(?P<harm>(咬|抓)(了|伤)(孩子|宝宝|小孩|我|人|他|她))",
    # A stay in hospital or an injury blamed on someone: "让我练到横纹肌溶解住院".
    r"(导致|害得|害我|弄得|让我).{0,10}(?P<harm>住院|进医院|进了医院|骨折|受伤)",
    # Assault by staff, a person knocked down, a child's head caught, a fall from a height nearly.
    r"(把|将)(我|他|她|孩子|老人|顾客|客人)(给)?打(了|伤|倒)"
    r"|被(保安|店员|服务员|司机|骑手|快递员|老板|员工|工作人员|店家|商家|教练|老师)(给)?(打|推|踢)(了|伤|倒)",
    r"撞(倒|伤)(了)?(老人|孩子|小孩|行人|路人|人|我)",
    r"(孩子|宝宝|小孩|婴儿)的?(头|手|脚|腿|手指|脖子)(被)?卡(进|在|住)",
    r"差点(儿)?从.{0,6}(掉下|摔下|掉出|跌下|坠)",
    # Near drowning in a pool, not drowning as a figure of speech ("溺水者怎知道", "好像溺水了一样").
    r"(差点|险些|孩子|宝宝|小孩|儿童|有人)(在泳池|在水里)?(差点|险些)?溺水",
    # An ambulance called ("叫了120").
    r"(叫|打|拨打?)(了)?(个)?120(?!\d)",
    r"(熏|呛)(得|的).{0,4}(头疼|头痛|头晕|恶心|想吐|流泪|咳嗽)",
    r"(空调|暖气|房间|被子).{0,16}(?P<harm>感冒|受凉|着凉|冻病)",
    r"(弄|划|割|扎|刮)(出|破)(了)?血",
    # Burnt by electricity ("把我SIM卡烧了"), not food burnt in the pan ("把饭烧焦了").
    r"把.{0,10}(卡|充电器|充电头|插座|插头|电脑|主板|电路|电线|适配器|手机|电池|电器).{0,2}烧(了|坏|毁)",
    r"(划|割)(破|伤)(了)?(手|嘴|嘴唇|脸|皮|脚|手指)|把(手|嘴|嘴唇|脸|手指|脚).{0,3}(划|割)(破|伤)",
    # ... or the body part first: "嘴都划破了", "手指被割伤" ("手机划伤" is a phone: 机 is no such word).
    r"(手指|手掌|手|嘴唇|嘴巴|嘴|舌头|牙龈|脸|脚)(都|也|直接|被|给)*(划|割|扎|刮)(破|伤)",
    r"差点(儿)?(被)?(砸|烫|电|烧|摔|扎|割|噎|呛|撞|夹|压|掉下|掉进|跌|滑倒|淹|吞|咽|甩出|飞出|弹出|摔出)",
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
    r"|洗后|洗发|洗头|涂|抹|擦了|穿了|穿上|穿后|戴了|入住|住了|住进|搬进|房间|床上|床单|被子|枕头|空调|暖气|游泳|泳池"
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
    r"消协|消费者协会|消保委|消费者服务热线|工商局|通信管理局|市长热线|政务热线|领导留言板|市场监管|监管局|银保监|金融监管|黑猫投诉|食药监|药监局|质监局|卫生局"
    r"|卫健委|卫生健康委|民航局|交通局|运管|通管局|工信部|证监会|住建局|教育局|质检总局|质检局|食药局|消费者热线",
    r"工商(部门|所|局)?.{0,3}(投诉|举报|反映)|(投诉|举报|反映)(到|去|给)?.{0,3}工商|(找|去|到|向)工商",
    r"@\S{0,12}(曝光|新闻|(?<!自)媒体|电视台|晚报|日报|都市报|头条)(?!客户端)",
    r"(要|去|会|就|已|已经|马上)(去)?举报|上新闻",
    r"(找|向|去|到|给)(当地)?(相关|有关|政府|主管|监管)部门|(相关|有关|主管|监管)部门(投诉|举报|反映)",
    # A complaint lodged with an authority: "已投诉主管部门", "举报到监管部门".
    r"(投诉|举报|反映)(到|给|至|了)?(当地)?(的)?(相关|有关|政府|主管|监管|执法)部门",
    r"(找|联系|告诉|叫|向|请|给|寻求|求助|打给)(了)?(新闻)?(媒体|记者|电视台|报社)",
    # A post addressed to a regulator's account: "@北京东城工商", "@12315", "@中国消费者协会".
    r"@\S{0,12}(工商|市场监管|消协|消费者协会|12315(?!\d)|质监|食药监|药监|监管局)",
    r"(媒体|网上|网络|微博|抖音).{0,4}曝光|曝光(你们|他们|这家|此事|出来|到网上)",
    r"(要|去|就|会|帮忙|让大家)曝光",
    r"起诉|告你们|告上法庭|上法院|法院见|打官司|(找|请|聘|联系|咨询|委托)(了)?(专业)?律师|律师(函|咨询)|法律途径|走法律程序",
    r"(我|要|就|已|已经|去|会|想|马上|也|还|只好|只能|直接)(经)?报(警|案)|报警处理|报案",
    r"(打|拨打?|报)(了)?110(?!\d)|110报警|监督管理局|市监局",
    # One's own claim, not one made for someone else ("帮你维权"), others' ("所谓的维权") or a future one
    # ("留证据，以便维权").
    r"(?<!帮你)(?<!帮他)(?<!帮她)(?<!所谓)(?<!所谓的)(?<!以便)(?<!便于)维权",
)
#: A threat held back by a bare 不/没/别 before the act that leads to it ("先不投诉到消保委", "暂不考虑找媒体曝光"):
#: looked for at the end of the clause before the threat (a "不" further back, "不给退款就投诉到12315", is a condition).
THREAT_WITHHELD = re.compile(
    r"(不|没|别|勿)(会|想|打算|考虑|用|必|要)?(去|再)?(投诉|举报|反映|找|联系|打|拨打|告|向)?(到|给|去)?$"
)
#: A threat another party makes, told in the clause before it ("催收说要报警抓我", "房东威胁要起诉我"): the writer
#: threatens no one ("我跟客服说要投诉到12315" is the writer's, 跟/对/和/给/向 before the party).
THREAT_BY_OTHERS = re.compile(
    r"(?<![跟对和给向])(催收|客服|商家|卖家|店家|对方|老板|司机|房东|中介|物业|保安|经理|店员|工作人员|他们|他|她)"
    r"(还|竟然|居然|就|却|反而)?(说|威胁|扬言|声称|吓唬|恐吓|叫嚣)"
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
    # "爆炸" as a degree before what it praises ("价格爆炸便宜"), a hairstyle or a style of news.
    ("爆炸", r"爆炸(便宜|好吃|好看|好用|好喝|多|火|甜|香|辣|贵|大|美|帅|可爱|推荐|性|式|头)"),
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
IMMEDIATE = ("不", "没")
